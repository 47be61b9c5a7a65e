package io.quorumd.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A ruling as anyone can re-check it: the signed open, the fallback activation if there was one, the
 * decision and the M agreeing signed votes. Published on {@code {p}/arbiter/final}.
 */
public record DisputeRuling(Envelope open, Optional<Envelope> fallback, Decision decision, List<Envelope> votes)
        implements Body {
    public DisputeRuling {
        votes = List.copyOf(votes);
    }

    public String disputeId() {
        return ((DisputeOpen) open.body()).disputeId();
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.set("open", open.toJson());
        if (fallback.isPresent()) {
            o.set("fallback", fallback.get().toJson());
        } else {
            o.putNull("fallback");
        }
        o.put("decision", decision.code());
        ArrayNode v = o.putArray("votes");
        votes.forEach(e -> v.add(e.toJson()));
        return o;
    }

    static DisputeRuling parse(ObjectNode body) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        Envelope open = EnvelopeCodec.fromJson(f.object("open"));
        if (!(open.body() instanceof DisputeOpen)) {
            throw new DecodeException(RejectReason.BAD_VALUE, "ruling.open must be an arbiter.open");
        }
        JsonNode fb = f.any("fallback");
        Optional<Envelope> fallback = fb.isNull() ? Optional.empty() : Optional.of(EnvelopeCodec.fromJson(fb));
        Decision decision = Decision.ofCode(f.text("decision"));
        List<Envelope> votes = new ArrayList<>();
        for (JsonNode v : f.array("votes")) {
            votes.add(EnvelopeCodec.fromJson(v));
        }
        f.done();
        return new DisputeRuling(open, fallback, decision, votes);
    }
}
