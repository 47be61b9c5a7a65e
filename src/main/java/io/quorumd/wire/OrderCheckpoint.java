package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A replica's replicated-state digest after executing {@code seq}. Published on {@code {p}/order/vote}. */
public record OrderCheckpoint(long epoch, long seq, String stateDigest) implements Body {
    @Override
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("epoch", epoch);
        o.put("seq", seq);
        o.put("stateDigest", stateDigest);
        return o;
    }

    static OrderCheckpoint parse(ObjectNode body) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        long epoch = f.nonNegative("epoch");
        long seq = OrderVote.positive(f, "seq");
        String stateDigest = f.sha256("stateDigest");
        f.done();
        return new OrderCheckpoint(epoch, seq, stateDigest);
    }
}
