package io.quorumd.wire;

import io.quorumd.crypto.NodeId;
import java.util.List;

/** Topic names under one federation prefix (DESIGN §5). */
public final class Topics {
    private final String prefix;

    public Topics(String prefix) {
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }

    public String presence(NodeId node) {
        return prefix + "/presence/" + node.hex();
    }

    public String presenceFilter() {
        return prefix + "/presence/+";
    }

    public String checkpointPropose() {
        return prefix + "/checkpoint/propose";
    }

    public String checkpointVote(String subjectId) {
        return prefix + "/checkpoint/vote/" + subjectId;
    }

    public String checkpointFinal(String subjectId) {
        return prefix + "/checkpoint/final/" + subjectId;
    }

    public String arbiterPropose() {
        return prefix + "/arbiter/propose";
    }

    public String arbiterVote() {
        return prefix + "/arbiter/vote";
    }

    public String arbiterFinal() {
        return prefix + "/arbiter/final";
    }

    /** What a node subscribes to (DESIGN §5): proposals, its own vote topic, arbiter votes, finals, presence. */
    public List<String> subscriptions(NodeId self) {
        return List.of(prefix + "/+/propose", checkpointVote(self.hex()), arbiterVote(), prefix + "/+/final/#",
                presenceFilter());
    }

    /** Checks that a message of this type may arrive on this topic from this sender. */
    public boolean fits(String topic, Envelope envelope) {
        return switch (envelope.type()) {
            case PRESENCE_HEARTBEAT, PRESENCE_OFFLINE -> topic.equals(presence(envelope.from()));
            case CHECKPOINT_PROPOSAL -> topic.equals(checkpointPropose());
            case CHECKPOINT_VOTE -> topic.equals(checkpointVote(((CheckpointVote) envelope.body()).tuple().subjectId()));
            case CHECKPOINT_FINAL -> topic.equals(checkpointFinal(((CheckpointFinal) envelope.body()).tuple().subjectId()));
            case DISPUTE_OPEN, DISPUTE_FALLBACK -> topic.equals(arbiterPropose());
            case DISPUTE_VOTE -> topic.equals(arbiterVote());
            case DISPUTE_RULING -> topic.equals(arbiterFinal());
        };
    }
}
