package io.quorumd.node;

import io.quorumd.config.QuorumdConfig;
import io.quorumd.mqtt.MqttTransport;
import io.quorumd.mqtt.PresenceProbe;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.EnvelopeCodec;
import io.quorumd.wire.InboundVerifier;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The I/O of {@link StartWatch}: a {@link PresenceProbe} on this node's presence topic, waited on with a deadline. */
final class StartWatchProbe {
    private static final Logger LOG = LoggerFactory.getLogger(StartWatchProbe.class);

    private StartWatchProbe() {
    }

    /**
     * Before anything is signed: listens to this node's own presence topic on a separate connection
     * ({@link StartWatch}). A twin that started earlier stops this start; a ledger behind what the key already
     * announced makes the node sign nothing dated before now. A broker out of reach is not waited for: the
     * presence machine finds a twin later.
     */
    static void run(QuorumdConfig config, NodeCore core, NodeMetrics metrics, Clock clock)
            throws TwinException, InterruptedException {
        StartWatch watch = StartWatch.of(core);
        InboundVerifier own = StartWatch.ownKey(core);
        Object monitor = new Object();
        MqttTransport.Inbound inbound = (topic, payload, retained) -> {
            try {
                if (own.verify(EnvelopeCodec.decode(payload))
                        instanceof InboundVerifier.Verdict.Accepted a) {
                    synchronized (monitor) {
                        watch.onOwn(a.envelope(), retained, clock.millis());
                        monitor.notifyAll();
                    }
                }
            } catch (DecodeException e) {
                metrics.rejected(e.reason());
            } catch (RuntimeException e) {
                LOG.atWarn().addKeyValue("error", String.valueOf(e.getMessage())).log("own presence message not read");
            }
        };
        Duration reach = config.mqtt().connectTimeout().plusSeconds(2);
        PresenceProbe probe;
        try {
            probe = PresenceProbe.open(config.mqtt(), core.presence().topic(), inbound, reach);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            LOG.atWarn().addKeyValue("node", config.node().name()).addKeyValue("error", e.getMessage())
                    .log("cannot listen for another process with this key before starting; starting anyway (a twin"
                            + " is still found once its heartbeats arrive)");
            return;
        }
        try {
            long deadline = clock.millis() + watch.longestMs() + 1_000;
            synchronized (monitor) {
                watch.subscribed(clock.millis());
                while (watch.verdict(clock.millis()) == StartWatch.Verdict.WATCHING && clock.millis() < deadline) {
                    monitor.wait(100);
                }
            }
        } finally {
            probe.close();
        }
        synchronized (monitor) {
            if (watch.verdict(clock.millis()) == StartWatch.Verdict.TWIN) {
                throw TwinException.atStart(config.node().name(), watch.twinStartedAt(), core.presence().startedAt());
            }
            watch.behind().ifPresent(core::restored);
        }
    }

}
