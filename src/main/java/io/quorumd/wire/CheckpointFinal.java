package io.quorumd.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A finished checkpoint: the tuple, the matching signed vote envelopes exactly as they arrived, and the
 * proposal envelope when the proposer's values are the tuple. Verifiable on its own by anyone with the
 * roster; retained on {@code {p}/checkpoint/final/{subject}}.
 */
public record CheckpointFinal(CheckpointTuple tuple, List<Envelope> votes, Optional<Envelope> proposal) implements Body {
    public CheckpointFinal {
        votes = List.copyOf(votes);
    }

    public String checkpointId() {
        return tuple.id();
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.set("tuple", tuple.toJson());
        ArrayNode v = o.putArray("votes");
        votes.forEach(e -> v.add(e.toJson()));
        if (proposal.isPresent()) {
            o.set("proposal", proposal.get().toJson());
        } else {
            o.putNull("proposal");
        }
        return o;
    }

    static CheckpointFinal parse(ObjectNode body) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        JsonFields tf = new JsonFields(f.object("tuple"), "body.tuple");
        CheckpointTuple tuple = CheckpointTuple.read(tf);
        tf.done();
        List<Envelope> votes = new ArrayList<>();
        for (JsonNode v : f.array("votes")) {
            votes.add(EnvelopeCodec.fromJson(v));
        }
        JsonNode p = f.any("proposal");
        Optional<Envelope> proposal = p.isNull() ? Optional.empty() : Optional.of(EnvelopeCodec.fromJson(p));
        f.done();
        return new CheckpointFinal(tuple, votes, proposal);
    }
}
