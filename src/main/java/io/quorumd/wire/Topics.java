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

    public String orderPropose() {
        return prefix + "/order/propose";
    }

    public String orderVote() {
        return prefix + "/order/vote";
    }

    public String orderView() {
        return prefix + "/order/view";
    }

    public String orderFinal() {
        return prefix + "/order/final";
    }

    public String syncRequest(NodeId to) {
        return prefix + "/sync/" + to.hex() + "/request";
    }

    public String syncResponse(NodeId to) {
        return prefix + "/sync/" + to.hex() + "/response";
    }

    public String responderAck(NodeId to) {
        return prefix + "/resp/ack/" + to.hex();
    }

    /** Micropayment messages addressed to {@code to} (DESIGN §14): params requests and tickets it is paid, params it asked for. */
    public String pmTo(NodeId to) {
        return prefix + "/pm/to/" + to.hex();
    }

    /**
     * What a node subscribes to (DESIGN §5): proposals, its own vote topic, arbiter votes, finals, presence,
     * its own sync request and response topics and its own ack topic.
     */
    public List<String> subscriptions(NodeId self) {
        String votes = Boolean.getBoolean(BROADCAST_VOTES) ? checkpointVote("+") : checkpointVote(self.hex());
        return List.of(prefix + "/+/propose", votes, arbiterVote(), prefix + "/+/final/#",
                presenceFilter(), syncRequest(self), syncResponse(self), responderAck(self));
    }

    /**
     * Benchmarks only ({@code bench checkpoint}): with this system property {@code true}, nodes started afterwards
     * subscribe to every subject's checkpoint votes, as nara broadcasts them, and refuse (counted) those that are not
     * for their own proposals.
     */
    public static final String BROADCAST_VOTES = "quorumd.bench.broadcastVotes";

    /**
     * The ordering topics a node that runs ordering subscribes to besides {@link #subscriptions}, whose
     * {@code +/propose} and {@code +/final/#} already cover {@code order/propose} and {@code order/final}.
     */
    public List<String> orderSubscriptions() {
        return List.of(orderVote(), orderView());
    }

    /** What a node with {@code pm.enabled} subscribes to besides {@link #subscriptions}: its own pm topic. */
    public List<String> pmSubscriptions(NodeId self) {
        return List.of(pmTo(self));
    }

    /**
     * Checks that a message of this type may arrive on this topic from this sender; an addressed topic must name
     * the body's addressee ({@code to}, a pm message's recipient or, for {@code pm.params}, its sender).
     */
    public boolean fits(String topic, Envelope envelope) {
        return switch (envelope.type()) {
            case PRESENCE_HEARTBEAT, PRESENCE_OFFLINE -> topic.equals(presence(envelope.from()));
            case CHECKPOINT_PROPOSAL -> topic.equals(checkpointPropose());
            case CHECKPOINT_VOTE -> topic.equals(checkpointVote(((CheckpointVote) envelope.body()).tuple().subjectId()));
            case CHECKPOINT_FINAL -> topic.equals(checkpointFinal(((CheckpointFinal) envelope.body()).tuple().subjectId()));
            case DISPUTE_OPEN, DISPUTE_FALLBACK -> topic.equals(arbiterPropose());
            case DISPUTE_VOTE -> topic.equals(arbiterVote());
            case DISPUTE_RULING -> topic.equals(arbiterFinal());
            case SYNC_REQUEST -> topic.equals(syncRequest(((SyncRequest) envelope.body()).to()));
            case SYNC_RESPONSE -> topic.equals(syncResponse(((SyncResponse) envelope.body()).to()));
            case RESPONDER_ACK -> topic.equals(responderAck(((ResponderAck) envelope.body()).to()));
            case ORDER_REQUEST, ORDER_ENDORSE -> topic.equals(orderPropose());
            case ORDER_PREPREPARE, ORDER_PREPARE, ORDER_COMMIT, ORDER_CHECKPOINT -> topic.equals(orderVote());
            case ORDER_VIEWCHANGE, ORDER_VIEWPROOF, ORDER_NEWVIEW, ORDER_FETCH -> topic.equals(orderView());
            case ORDER_COMMITTED -> topic.equals(orderFinal());
            case PM_PARAMS_REQUEST -> topic.equals(pmTo(((PmParamsRequest) envelope.body()).recipient()));
            case PM_PARAMS -> topic.equals(pmTo(((PmParams) envelope.body()).sender()));
            case PM_TICKET -> topic.equals(pmTo(((PmTicket) envelope.body()).recipient()));
        };
    }
}
