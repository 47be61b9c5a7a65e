package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A committed batch with its commit proof: at least q {@code order.commit} envelopes for (epoch, view,
 * seq, digest of {epoch, seq, ts, items}). Verifiable by anyone holding the epoch's roster
 * ({@code CommitProofValidator}). Published on {@code {p}/order/final}.
 */
public record OrderCommitted(long epoch, long seq, long view, long ts, List<OrderItem> items, List<Envelope> commits)
        implements Body {
    public OrderCommitted {
        items = List.copyOf(items);
        commits = List.copyOf(commits);
    }

    public OrderBatch batch() {
        return new OrderBatch(epoch, seq, ts, items);
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("epoch", epoch);
        o.put("seq", seq);
        o.put("view", view);
        o.put("ts", ts);
        OrderItem.write(o, items);
        var c = o.putArray("commits");
        commits.forEach(e -> c.add(e.toJson()));
        return o;
    }

    /** A committed batch as {@link #toJson} wrote it (a ledger's {@code order} entry keeps one). */
    public static OrderCommitted fromJson(com.fasterxml.jackson.databind.JsonNode json) throws DecodeException {
        if (!(json instanceof ObjectNode o)) {
            throw new DecodeException(RejectReason.WRONG_TYPE, "a committed batch must be a JSON object");
        }
        return parse(o);
    }

    static OrderCommitted parse(ObjectNode body) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        long epoch = f.nonNegative("epoch");
        long seq = OrderVote.positive(f, "seq");
        long view = f.nonNegative("view");
        long ts = f.nonNegative("ts");
        List<OrderItem> items = OrderBatch.readItems(f);
        List<Envelope> commits = f.envelopes("commits", MessageType.ORDER_COMMIT);
        f.done();
        return new OrderCommitted(epoch, seq, view, ts, items, commits);
    }
}
