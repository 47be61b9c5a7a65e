package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.CanonicalJson;
import io.quorumd.crypto.Hashes;
import java.util.List;

/**
 * What one sequence number orders: {epoch, seq, ts, items}. Its digest, SHA-256 of the canonical JSON of
 * exactly these four fields (64 lowercase hex), is what prepares, commits and proofs agree on; JSON frames
 * every field, so no two batches share a digest by concatenation. An empty batch is the null of a new view.
 */
public record OrderBatch(long epoch, long seq, long ts, List<OrderItem> items) {
    public static final int MAX_ITEMS = 256;

    public OrderBatch {
        items = List.copyOf(items);
    }

    /** The null batch a new view puts at a sequence number no claim prepared. */
    public static OrderBatch nullAt(long epoch, long seq) {
        return new OrderBatch(epoch, seq, 0, List.of());
    }

    public String digest() {
        ObjectNode o = Json.object();
        o.put("epoch", epoch);
        o.put("seq", seq);
        o.put("ts", ts);
        OrderItem.write(o, items);
        return Hashes.sha256(CanonicalJson.encode(o)).hex();
    }

    static List<OrderItem> readItems(JsonFields f) throws DecodeException {
        if (f.array("items").size() > MAX_ITEMS) {
            throw new DecodeException(RejectReason.BAD_VALUE, "at most " + MAX_ITEMS + " items per batch");
        }
        return f.objects("items", OrderItem::read);
    }
}
