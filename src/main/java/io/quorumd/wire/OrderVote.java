package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A replica's prepare or commit (the envelope type tells which) for the batch {@code digest} at
 * (epoch, view, seq). Published on {@code {p}/order/vote}.
 */
public record OrderVote(long epoch, long view, long seq, String digest) implements Body {
    @Override
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("epoch", epoch);
        o.put("view", view);
        o.put("seq", seq);
        o.put("digest", digest);
        return o;
    }

    static OrderVote parse(ObjectNode body) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        long epoch = f.nonNegative("epoch");
        long view = f.nonNegative("view");
        long seq = positive(f, "seq");
        String digest = f.sha256("digest");
        f.done();
        return new OrderVote(epoch, view, seq, digest);
    }

    static long positive(JsonFields f, String name) throws DecodeException {
        long value = f.nonNegative(name);
        if (value == 0) {
            throw new DecodeException(RejectReason.BAD_VALUE, "body." + name + " must be at least 1");
        }
        return value;
    }
}
