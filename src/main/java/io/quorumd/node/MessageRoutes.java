package io.quorumd.node;

import io.quorumd.arbiter.ArbiterMachine;
import io.quorumd.checkpoint.CheckpointMachine;
import io.quorumd.delivery.Responder;
import io.quorumd.delivery.SyncService;
import io.quorumd.loop.InboundMessage;
import io.quorumd.loop.TimerKey;
import io.quorumd.presence.PresenceMachine;

/**
 * Which machine of a node takes each verified inbound message and each timer; a disabled machine's messages are
 * counted.
 */
final class MessageRoutes {
    private MessageRoutes() {
    }

    static void route(NodeCore core, InboundMessage message) {
        NodeMetrics metrics = core.metrics();
        switch (message.envelope().type()) {
            case PRESENCE_HEARTBEAT, PRESENCE_OFFLINE -> {
                core.presence().onMessage(message);
                core.heardPeer();
            }
            case CHECKPOINT_PROPOSAL, CHECKPOINT_VOTE, CHECKPOINT_FINAL -> core.checkpoint().onMessage(message);
            case DISPUTE_OPEN, DISPUTE_VOTE, DISPUTE_FALLBACK, DISPUTE_RULING -> core.arbiter().ifPresentOrElse(
                    a -> a.onMessage(message), () -> metrics.protocolRejected("arbitration_disabled"));
            case SYNC_REQUEST -> core.sync().onRequest(message);
            case SYNC_RESPONSE -> core.sync().onResponse(message);
            case RESPONDER_ACK -> core.responder().ifPresentOrElse(
                    r -> r.onAck(message), () -> metrics.protocolRejected("responder_disabled"));
            case ORDER_REQUEST, ORDER_ENDORSE, ORDER_PREPREPARE, ORDER_PREPARE, ORDER_COMMIT, ORDER_CHECKPOINT,
                    ORDER_VIEWCHANGE, ORDER_VIEWPROOF, ORDER_NEWVIEW, ORDER_FETCH, ORDER_COMMITTED -> core.ordering()
                    .ifPresentOrElse(o -> o.onMessage(message.envelope()), () -> metrics.protocolRejected("ordering_disabled"));
            case PM_PARAMS_REQUEST, PM_PARAMS, PM_TICKET -> core.payments().ifPresentOrElse(
                    p -> p.onMessage(message), () -> metrics.protocolRejected("pm_disabled"));
        }
    }

    /** Hands a timer to the machine that owns it; false if none does. */
    static boolean timer(NodeCore core, TimerKey key) {
        if (key instanceof PresenceMachine.HeartbeatDue || key instanceof PresenceMachine.SweepDue) {
            core.presence().onTimer(key);
        } else if (CheckpointMachine.owns(key)) {
            core.checkpoint().onTimer(key);
        } else if (ArbiterMachine.owns(key) && core.arbiter().isPresent()) {
            core.arbiter().get().onTimer(key);
        } else if (Responder.owns(key) && core.responder().isPresent()) {
            core.responder().get().onTimer(key);
        } else if (NodeOrdering.owns(key) && core.ordering().isPresent()) {
            core.ordering().get().onTimer(key);
        } else if (NodePayments.owns(key) && core.payments().isPresent()) {
            core.payments().get().onTimer(key);
        } else if (SyncService.owns(key)) {
            core.sync().onTimer(key);
        } else {
            return false;
        }
        return true;
    }
}
