package io.quorumd.node;

import io.quorumd.wire.Envelope;
import io.quorumd.wire.Topics;

/** The topic each message type travels on, addressed ones by the addressee its body names. */
final class PayloadTopics {
    private PayloadTopics() {
    }

    /** Where {@code e} belongs: the topic {@link Topics#fits} accepts it on. */
    static String of(Topics t, Envelope e) {
        return switch (e.type()) {
            case PRESENCE_HEARTBEAT, PRESENCE_OFFLINE -> t.presence(e.from());
            case CHECKPOINT_PROPOSAL -> t.checkpointPropose();
            case CHECKPOINT_VOTE -> t.checkpointVote(((io.quorumd.wire.CheckpointVote) e.body()).tuple().subjectId());
            case CHECKPOINT_FINAL -> t.checkpointFinal(((io.quorumd.wire.CheckpointFinal) e.body()).tuple().subjectId());
            case DISPUTE_OPEN, DISPUTE_FALLBACK -> t.arbiterPropose();
            case DISPUTE_VOTE -> t.arbiterVote();
            case DISPUTE_RULING -> t.arbiterFinal();
            case SYNC_REQUEST -> t.syncRequest(((io.quorumd.wire.SyncRequest) e.body()).to());
            case SYNC_RESPONSE -> t.syncResponse(((io.quorumd.wire.SyncResponse) e.body()).to());
            case RESPONDER_ACK -> t.responderAck(((io.quorumd.wire.ResponderAck) e.body()).to());
            case ORDER_REQUEST, ORDER_ENDORSE -> t.orderPropose();
            case ORDER_PREPREPARE, ORDER_PREPARE, ORDER_COMMIT, ORDER_CHECKPOINT -> t.orderVote();
            case ORDER_VIEWCHANGE, ORDER_VIEWPROOF, ORDER_NEWVIEW, ORDER_FETCH -> t.orderView();
            case ORDER_COMMITTED -> t.orderFinal();
            case PM_PARAMS_REQUEST -> t.pmTo(((io.quorumd.wire.PmParamsRequest) e.body()).recipient());
            case PM_PARAMS -> t.pmTo(((io.quorumd.wire.PmParams) e.body()).sender());
            case PM_TICKET -> t.pmTo(((io.quorumd.wire.PmTicket) e.body()).recipient());
        };
    }
}
