package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Asks any holder for the batch {@code digest} at {@code seq}: a holder re-publishes the original
 * primary-signed pre-prepare (self-verifying by its digest) and, once it executed {@code seq}, its
 * {@code order.committed}. Published on {@code {p}/order/view}.
 */
public record OrderFetch(long epoch, long seq, String digest) implements Body {
    @Override
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("epoch", epoch);
        o.put("seq", seq);
        o.put("digest", digest);
        return o;
    }

    static OrderFetch parse(ObjectNode body) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        long epoch = f.nonNegative("epoch");
        long seq = OrderVote.positive(f, "seq");
        String digest = f.sha256("digest");
        f.done();
        return new OrderFetch(epoch, seq, digest);
    }
}
