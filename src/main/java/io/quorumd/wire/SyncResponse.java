package io.quorumd.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One page answering a {@link SyncRequest}: the original signed envelopes of decisions the responder holds
 * (each verifiable on its own, never re-signed), at most {@link #MAX_ENVELOPES}, and {@code next}, the cursor
 * of the following page ({@code ""} when this was the last). {@code request} is the content id of the request
 * envelope it answers. Published on {@code {p}/sync/{to}/response}.
 */
public record SyncResponse(NodeId to, long epoch, String selector, String request, List<Envelope> envelopes, String next)
        implements Body {
    public static final int MAX_ENVELOPES = 100;
    /**
     * What a page may carry: decisions, the facts of open disputes, committed batches and the checkpoints that
     * made them stable — nothing that asks for an answer. (Types were only ever added: a node asks only for
     * selectors it knows, so an older node never gets a page carrying a type it refuses.)
     */
    static final Set<MessageType> CARRIED = Set.of(MessageType.CHECKPOINT_FINAL, MessageType.DISPUTE_OPEN,
            MessageType.DISPUTE_VOTE, MessageType.DISPUTE_FALLBACK, MessageType.DISPUTE_RULING,
            MessageType.ORDER_COMMITTED, MessageType.ORDER_CHECKPOINT);

    public SyncResponse {
        envelopes = List.copyOf(envelopes);
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("to", to.hex());
        o.put("epoch", epoch);
        o.put("selector", selector);
        o.put("request", request);
        ArrayNode list = o.putArray("envelopes");
        envelopes.forEach(e -> list.add(e.toJson()));
        o.put("next", next);
        return o;
    }

    static SyncResponse parse(ObjectNode body) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        NodeId to = f.nodeId("to");
        long epoch = f.nonNegative("epoch");
        String selector = f.text("selector");
        String request = f.contentId("request", false);
        ArrayNode list = f.array("envelopes");
        if (list.size() > MAX_ENVELOPES) {
            throw new DecodeException(RejectReason.BAD_VALUE, "at most " + MAX_ENVELOPES + " envelopes a page");
        }
        List<Envelope> envelopes = new ArrayList<>();
        for (JsonNode e : list) {
            Envelope env = EnvelopeCodec.fromJson(e);
            if (!CARRIED.contains(env.type())) {
                throw new DecodeException(RejectReason.BAD_VALUE, "a sync page does not carry " + env.type().wireName());
            }
            envelopes.add(env);
        }
        String next = f.text("next");
        f.done();
        if (!SyncRequest.validCursor(next)) {
            throw new DecodeException(RejectReason.BAD_VALUE, "sync.response next is not a cursor");
        }
        return new SyncResponse(to, epoch, selector, request, envelopes, next);
    }
}
