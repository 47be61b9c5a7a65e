package io.quorumd.presence;

import io.quorumd.config.Durations;
import io.quorumd.loop.InboundMessage;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.Heartbeat;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this node's own heartbeats tell it when they come back through the broker: whether it can hear at all
 * (a node that cannot is cut off, and its peers' silence then says nothing about them), and whether another
 * process runs with its key (a twin). Written on the loop thread; {@link #cutOff} may be read from any.
 */
final class OwnHeartbeats {
    private static final Logger LOG = LoggerFactory.getLogger(PresenceMachine.class);
    private static final int MAX_TWINS = 4;

    private final long limitMs;
    private final long skewMs;
    /** When this node last heard one of its heartbeats; -1 before the first. */
    private volatile long heardAt = -1;
    /** When the current stretch of them, with no gap longer than offlineAfter, began; the run's start for the first. */
    private long heardSince = -1;
    private LongConsumer onTwin = other -> { };
    private final Set<Long> twins = new HashSet<>();
    private boolean saidCutOff;

    OwnHeartbeats(long offlineAfterMs, long skewMs) {
        this.limitMs = offlineAfterMs;
        this.skewMs = skewMs;
    }

    void onTwin(LongConsumer listener) {
        this.onTwin = listener;
    }

    /** One of this node's own heartbeats arrived at {@code now}; {@code startedAt} is this run's start. */
    void heard(InboundMessage m, Heartbeat hb, long startedAt, long now) {
        if (m.origin() == InboundMessage.Origin.SYNC) {
            return;
        }
        if (heardAt < 0) {
            heardSince = startedAt; // no gap can have come before the first
        } else if (now - heardAt > limitMs) {
            heardSince = now;
        }
        heardAt = Math.max(heardAt, now);
        Envelope env = m.envelope();
        if (hb.startedAt() != startedAt && startedAt >= 0 && m.origin() == InboundMessage.Origin.LIVE
                && env.ts() > startedAt && Math.abs(env.ts() - now) <= skewMs && twins.size() < MAX_TWINS
                && twins.add(hb.startedAt())) {
            onTwin.accept(hb.startedAt());
        }
    }

    /** Logs when this node finds itself cut off, and when it hears itself again. */
    void report(long now) {
        if (cutOff(now) != saidCutOff) {
            saidCutOff = !saidCutOff;
            if (saidCutOff) {
                LOG.atWarn().addKeyValue("silent_for", Durations.format(Duration.ofMillis(now - heardAt)))
                        .log("cut off: none of this node's heartbeats came back; peers' silence is not counted");
            } else {
                LOG.atInfo().log("hearing this node's heartbeats again");
            }
        }
    }

    /** True while this node has heard itself before but not within offlineAfter of {@code now}. */
    boolean cutOff(long now) {
        long heard = heardAt;
        return heard >= 0 && now - heard > limitMs;
    }

    /**
     * How long, of the time since {@code lastHeard}, this node could hear itself: from the later of that and the
     * start of its current stretch to the latest of its heartbeats; until it first hears itself (a broker that does
     * not echo a client's own messages), simply to {@code now}.
     */
    long heardFor(long lastHeard, long now) {
        long heard = heardAt;
        return heard < 0 ? now - lastHeard : heard - Math.max(lastHeard, heardSince);
    }

    /** True if this node was cut off at some time after {@code lastHeard}: what happened since, it could not see. */
    boolean gapSince(long lastHeard) {
        return heardAt >= 0 && heardSince > lastHeard;
    }
}
