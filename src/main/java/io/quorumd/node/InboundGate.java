package io.quorumd.node;

import io.quorumd.loop.InboundMessage;
import io.quorumd.mqtt.MqttTransport;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeCodec;
import io.quorumd.wire.InboundVerifier;
import io.quorumd.wire.RejectReason;
import io.quorumd.wire.Topics;
import java.time.Clock;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The inbound edge, run on the MQTT client's thread: size cap, decode, topic fit, roster lookup,
 * signature check, then the loop's queue. Nothing here touches protocol state. Every reject is counted by
 * reason; its log line is rate-limited ({@link RejectLog}).
 */
public final class InboundGate implements MqttTransport.Inbound {
    private static final Logger LOG = LoggerFactory.getLogger(InboundGate.class);

    private final String nodeName;
    private final Topics topics;
    private final InboundVerifier verifier;
    private final Predicate<InboundMessage> enqueue;
    private final NodeMetrics metrics;
    private final Clock clock;
    private final RejectLog rejectLog;
    private long lastDropLogged = Long.MIN_VALUE;

    /** {@code enqueue} hands a verified message on (normally {@code loop::offerMessage}); false means dropped. */
    public InboundGate(String nodeName, Topics topics, InboundVerifier verifier,
                       Predicate<InboundMessage> enqueue, NodeMetrics metrics, Clock clock) {
        this.nodeName = nodeName;
        this.topics = topics;
        this.verifier = verifier;
        this.enqueue = enqueue;
        this.metrics = metrics;
        this.clock = clock;
        this.rejectLog = new RejectLog(LOG, clock);
    }

    @Override
    public void onMessage(String topic, byte[] payload, boolean retained) {
        MDC.put("node", nodeName);
        metrics.received();
        Envelope envelope;
        try {
            envelope = EnvelopeCodec.decode(payload);
        } catch (DecodeException e) {
            reject(e.reason(), topic, e.getMessage());
            return;
        }
        if (!topics.fits(topic, envelope)) {
            reject(RejectReason.WRONG_TOPIC, topic, envelope.type().wireName() + " from " + envelope.from()
                    + " does not belong on this topic");
            return;
        }
        InboundVerifier.Verdict verdict = verifier.verify(envelope);
        if (verdict instanceof InboundVerifier.Verdict.Rejected r) {
            reject(r.reason(), topic, r.detail());
        } else if (verdict instanceof InboundVerifier.Verdict.Accepted a
                && !enqueue.test(new InboundMessage(topic, envelope, a.sender(),
                        retained ? InboundMessage.Origin.RETAINED : InboundMessage.Origin.LIVE))) {
            metrics.queueDropped();
            logDrop(topic);
        }
    }

    private void reject(RejectReason reason, String topic, String detail) {
        metrics.rejected(reason);
        rejectLog.warn(reason.code(), metrics.rejects(reason), topic, detail);
    }

    private synchronized void logDrop(String topic) {
        long now = clock.millis();
        if (now - lastDropLogged >= RejectLog.EVERY_MS) {
            lastDropLogged = now;
            LOG.atWarn().addKeyValue("topic", topic).addKeyValue("dropped", metrics.queueDrops())
                    .log("event queue full, inbound message dropped");
        }
    }
}
