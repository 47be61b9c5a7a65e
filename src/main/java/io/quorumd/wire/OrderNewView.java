package io.quorumd.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The new primary's start of {@code view}: the q view-change claims it counted, the stable certificate
 * for the highest stable seq among them (absent when that is 0), and for every seq above it up to the
 * highest prepared one either the chosen digest with its prepared certificate or a null. Backups recompute
 * the choice from the claims. Published on {@code {p}/order/view}.
 */
public record OrderNewView(long epoch, long view, List<Envelope> claims, Optional<List<Envelope>> stable,
                           List<Chosen> chosen, List<Long> nulls) implements Body {
    /** A re-proposed digest at {@code seq} with the prepares that certify it. */
    public record Chosen(long seq, String digest, List<Envelope> prepares) {
        public Chosen {
            prepares = List.copyOf(prepares);
        }
    }

    public OrderNewView {
        claims = List.copyOf(claims);
        stable = stable.map(List::copyOf);
        chosen = List.copyOf(chosen);
        nulls = List.copyOf(nulls);
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("epoch", epoch);
        o.put("view", view);
        ArrayNode c = o.putArray("claims");
        claims.forEach(e -> c.add(e.toJson()));
        if (stable.isPresent()) {
            ArrayNode s = o.putArray("stable");
            stable.get().forEach(e -> s.add(e.toJson()));
        } else {
            o.putNull("stable");
        }
        ArrayNode ch = o.putArray("chosen");
        for (Chosen x : chosen) {
            ObjectNode e = ch.addObject();
            e.put("seq", x.seq());
            e.put("digest", x.digest());
            ArrayNode p = e.putArray("prepares");
            x.prepares().forEach(env -> p.add(env.toJson()));
        }
        ArrayNode n = o.putArray("nulls");
        nulls.forEach(n::add);
        return o;
    }

    static OrderNewView parse(ObjectNode body) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        long epoch = f.nonNegative("epoch");
        long view = OrderVote.positive(f, "view");
        List<Envelope> claims = f.envelopes("claims", MessageType.ORDER_VIEWCHANGE);
        Optional<List<Envelope>> stable = f.any("stable").isNull() ? Optional.empty()
                : Optional.of(f.envelopes("stable", MessageType.ORDER_CHECKPOINT));
        List<Chosen> chosen = f.objects("chosen", c -> new Chosen(OrderVote.positive(c, "seq"), c.sha256("digest"),
                c.envelopes("prepares", MessageType.ORDER_PREPARE)));
        List<Long> nulls = new ArrayList<>();
        for (JsonNode x : f.array("nulls")) {
            if (!x.isIntegralNumber() || !x.canConvertToLong() || x.longValue() < 1) {
                throw new DecodeException(RejectReason.BAD_VALUE, "body.nulls holds sequence numbers (at least 1)");
            }
            nulls.add(x.longValue());
        }
        f.done();
        return new OrderNewView(epoch, view, claims, stable, chosen, nulls);
    }
}
