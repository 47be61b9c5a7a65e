package io.quorumd.node;

import io.quorumd.loop.InboundMessage;

/**
 * Which machine of a node takes each verified inbound message; a disabled machine's messages are counted. The
 * micropayment messages have no machine yet: they are counted as {@code pm_disabled} whatever {@code pm.enabled}
 * says (it only adds the subscription).
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
            case PM_PARAMS_REQUEST, PM_PARAMS, PM_TICKET -> metrics.protocolRejected("pm_disabled");
        }
    }
}
