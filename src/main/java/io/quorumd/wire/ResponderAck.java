package io.quorumd.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * "I hold a valid, durable copy of each of these decisions": sent to the node that published them, after the
 * sender's ledger entry for each is on disk. Decision ids are {@code checkpoint:<id>} and
 * {@code ruling:<disputeId>:<decision>}. Published on {@code {p}/resp/ack/{to}}.
 */
public record ResponderAck(NodeId to, long epoch, List<String> ids) implements Body {
    public static final int MAX_IDS = 256;
    private static final Pattern ID = Pattern.compile("[a-z]{1,16}(:[0-9a-z]{1,64}){1,3}");

    public ResponderAck {
        ids = List.copyOf(ids);
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("to", to.hex());
        o.put("epoch", epoch);
        ArrayNode list = o.putArray("ids");
        ids.forEach(list::add);
        return o;
    }

    static ResponderAck parse(ObjectNode body) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        NodeId to = f.nodeId("to");
        long epoch = f.nonNegative("epoch");
        ArrayNode list = f.array("ids");
        f.done();
        if (list.isEmpty() || list.size() > MAX_IDS) {
            throw new DecodeException(RejectReason.BAD_VALUE, "an ack names 1 to " + MAX_IDS + " decisions");
        }
        List<String> ids = new ArrayList<>();
        for (JsonNode id : list) {
            if (!id.isTextual() || !ID.matcher(id.textValue()).matches()) {
                throw new DecodeException(RejectReason.BAD_VALUE, "a decision id is like checkpoint:<hex> or ruling:<hex>:<decision>");
            }
            ids.add(id.textValue());
        }
        return new ResponderAck(to, epoch, ids);
    }
}
