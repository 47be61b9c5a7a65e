package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A member's signed request for an ordered federation update (DESIGN §12): the operation, its arguments
 * and when it was requested. Its request id is the content id of the whole signed envelope. Published on
 * {@code {p}/order/propose}, to every replica, so that a censoring primary is timed out.
 */
public record OrderRequest(long epoch, String op, ObjectNode args, long requestedAt) implements Body {
    public static final int MAX_OP = 64;

    public OrderRequest {
        args = args.deepCopy();
    }

    @Override
    public ObjectNode args() {
        return args.deepCopy();
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("epoch", epoch);
        o.put("op", op);
        o.set("args", args.deepCopy());
        o.put("requestedAt", requestedAt);
        return o;
    }

    static OrderRequest parse(ObjectNode body) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        long epoch = f.nonNegative("epoch");
        String op = DisputeOpen.bounded(f.text("op"), "op", MAX_OP);
        ObjectNode args = f.object("args");
        long requestedAt = f.nonNegative("requestedAt");
        f.done();
        if (op.isBlank()) {
            throw new DecodeException(RejectReason.BAD_VALUE, "a request needs an op");
        }
        return new OrderRequest(epoch, op, args, requestedAt);
    }
}
