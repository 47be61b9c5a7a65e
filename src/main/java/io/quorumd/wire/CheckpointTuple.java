package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.CanonicalJson;
import io.quorumd.crypto.Hashes;
import io.quorumd.crypto.NodeId;

/**
 * What a checkpoint attests about one subject, exactly as signed: values as of {@code asOf} (epoch ms) —
 * restarts, total uptime in seconds, first seen in epoch seconds — chained to the subject's previous
 * checkpoint ({@code ""} for none), and the round (1 or 2) that produced it. Votes are grouped by the
 * whole tuple.
 */
public record CheckpointTuple(String subjectId, long asOf, long restarts, long totalUptime, long firstSeen,
                              String previousCheckpointId, int round) {

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        writeTo(o);
        return o;
    }

    void writeTo(ObjectNode o) {
        o.put("subjectId", subjectId);
        o.put("asOf", asOf);
        o.put("restarts", restarts);
        o.put("totalUptime", totalUptime);
        o.put("firstSeen", firstSeen);
        o.put("previousCheckpointId", previousCheckpointId);
        o.put("round", round);
    }

    static CheckpointTuple read(JsonFields f) throws DecodeException {
        String subject = f.text("subjectId");
        if (!NodeId.isWellFormed(subject)) {
            throw new DecodeException(RejectReason.BAD_VALUE, "subjectId must be a node id");
        }
        String previous = f.contentId("previousCheckpointId", true);
        long round = f.integer("round");
        if (round != 1 && round != 2) {
            throw new DecodeException(RejectReason.BAD_VALUE, "round must be 1 or 2");
        }
        return new CheckpointTuple(subject, f.nonNegative("asOf"), f.nonNegative("restarts"), f.nonNegative("totalUptime"),
                f.nonNegative("firstSeen"), previous, (int) round);
    }

    /** The checkpoint id: content id of the canonical tuple. */
    public String id() {
        return Hashes.contentId(CanonicalJson.encode(toJson()));
    }

    public CheckpointTuple withValues(long restarts, long totalUptime, long firstSeen) {
        return new CheckpointTuple(subjectId, asOf, restarts, totalUptime, firstSeen, previousCheckpointId, round);
    }
}
