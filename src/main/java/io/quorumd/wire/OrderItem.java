package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * One entry of an ordered batch: a signed {@code order.request} envelope with the endorsements it travels
 * with ({@code order.endorse} is a later slice: until then a replica refuses items that carry any).
 */
public record OrderItem(Envelope request, List<Envelope> endorsements) {
    public static final int MAX_ENDORSEMENTS = 64;

    public OrderItem {
        if (request.type() != MessageType.ORDER_REQUEST) {
            throw new IllegalArgumentException("an order item holds an order.request, not a " + request.type().wireName());
        }
        endorsements = List.copyOf(endorsements);
    }

    /** The request id: content id of the signed request envelope. */
    public String requestId() {
        return request.contentId();
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.set("request", request.toJson());
        ArrayNode e = o.putArray("endorsements");
        endorsements.forEach(x -> e.add(x.toJson()));
        return o;
    }

    static OrderItem read(JsonFields f) throws DecodeException {
        Envelope request = EnvelopeCodec.fromJson(f.object("request"));
        if (request.type() != MessageType.ORDER_REQUEST) {
            throw new DecodeException(RejectReason.BAD_VALUE, "an item's request must be an order.request");
        }
        if (f.array("endorsements").size() > MAX_ENDORSEMENTS) {
            throw new DecodeException(RejectReason.BAD_VALUE, "at most " + MAX_ENDORSEMENTS + " endorsements per item");
        }
        List<Envelope> endorsements = f.envelopes("endorsements", null);
        return new OrderItem(request, endorsements);
    }

    static void write(ObjectNode o, List<OrderItem> items) {
        ArrayNode a = o.putArray("items");
        items.forEach(i -> a.add(i.toJson()));
    }
}
