package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A replica's claim to move to {@code view}: its last stable checkpoint and, per sequence number above it
 * that it prepared, the highest (view, digest) prepared. The certificates travel separately in an
 * {@code order.viewproof} naming this envelope's content id, so each message stays small. Published on
 * {@code {p}/order/view}.
 */
public record OrderViewChange(long epoch, long view, Stable stable, List<Prepared> prepared) implements Body {
    public static final int MAX_PREPARED = 64;

    /** The sender's stable checkpoint (seq 0: none yet). */
    public record Stable(long seq, String stateDigest) {
    }

    /** The highest view at which the sender prepared {@code digest} at {@code seq}. */
    public record Prepared(long seq, long view, String digest) {
    }

    public OrderViewChange {
        prepared = List.copyOf(prepared);
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("epoch", epoch);
        o.put("view", view);
        ObjectNode s = o.putObject("stable");
        s.put("seq", stable.seq());
        s.put("stateDigest", stable.stateDigest());
        ArrayNode p = o.putArray("prepared");
        for (Prepared x : prepared) {
            ObjectNode e = p.addObject();
            e.put("seq", x.seq());
            e.put("view", x.view());
            e.put("digest", x.digest());
        }
        return o;
    }

    static OrderViewChange parse(ObjectNode body) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        long epoch = f.nonNegative("epoch");
        long view = OrderVote.positive(f, "view");
        JsonFields sf = new JsonFields(f.object("stable"), "body.stable");
        Stable stable = new Stable(sf.nonNegative("seq"), sf.sha256("stateDigest"));
        sf.done();
        if (f.array("prepared").size() > MAX_PREPARED) {
            throw new DecodeException(RejectReason.BAD_VALUE, "at most " + MAX_PREPARED + " prepared claims");
        }
        List<Prepared> prepared = f.objects("prepared",
                p -> new Prepared(OrderVote.positive(p, "seq"), p.nonNegative("view"), p.sha256("digest")));
        f.done();
        for (Prepared p : prepared) {
            if (p.view() >= view) {
                throw new DecodeException(RejectReason.BAD_VALUE, "a prepared claim must be from a view below " + view);
            }
            if (p.seq() <= stable.seq()) {
                throw new DecodeException(RejectReason.BAD_VALUE, "a prepared claim must be above the stable checkpoint");
            }
        }
        if (prepared.stream().map(Prepared::seq).distinct().count() != prepared.size()) {
            throw new DecodeException(RejectReason.BAD_VALUE, "one prepared claim per sequence number");
        }
        return new OrderViewChange(epoch, view, stable, prepared);
    }
}
