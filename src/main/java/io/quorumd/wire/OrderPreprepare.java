package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The primary's proposal of a batch for (epoch, view, seq), stamped {@code ts}; {@code digest} must equal
 * {@link OrderBatch#digest()} of {epoch, seq, ts, items}. Published on {@code {p}/order/vote}; re-published
 * unchanged, by any holder, to answer an {@code order.fetch}.
 */
public record OrderPreprepare(long epoch, long view, long seq, long ts, List<OrderItem> items, String digest) implements Body {
    public OrderPreprepare {
        items = List.copyOf(items);
    }

    public static OrderPreprepare of(long view, OrderBatch batch) {
        return new OrderPreprepare(batch.epoch(), view, batch.seq(), batch.ts(), batch.items(), batch.digest());
    }

    public OrderBatch batch() {
        return new OrderBatch(epoch, seq, ts, items);
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("epoch", epoch);
        o.put("view", view);
        o.put("seq", seq);
        o.put("ts", ts);
        OrderItem.write(o, items);
        o.put("digest", digest);
        return o;
    }

    static OrderPreprepare parse(ObjectNode body) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        long epoch = f.nonNegative("epoch");
        long view = f.nonNegative("view");
        long seq = OrderVote.positive(f, "seq");
        long ts = f.nonNegative("ts");
        List<OrderItem> items = OrderBatch.readItems(f);
        String digest = f.sha256("digest");
        f.done();
        return new OrderPreprepare(epoch, view, seq, ts, items, digest);
    }
}
