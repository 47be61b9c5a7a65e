package io.quorumd.presence;

import io.quorumd.config.Durations;
import io.quorumd.loop.InboundMessage;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.Heartbeat;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this node can hear the broker, from the fresh heartbeats that reach it: a peer's that passed every
 * check, or one of its own of this run with a sequence number not heard before, live. It hears in stretches; a
 * stretch ends when nothing fresh came for offlineAfter, and meanwhile the node is <em>cut off</em>: its peers'
 * silence then says nothing about them.
 * <p>
 * Only its own heartbeats coming back tell a node that hears nothing apart from a node whose peers all fell
 * silent, so all this holds only while they do ({@link #echoes}). A broker that does not hand a client its own
 * messages back (or a member that replayed one of them to it, where ACLs allow) leaves its peers heard for
 * offlineAfter with none of its own: the node then counts silence as if it could always hear. A copy of an old
 * heartbeat (retained, of an earlier run) proves nothing. Also tells of a twin (another process with this
 * node's key). Loop thread; {@link #cutOff} from any.
 */
final class Hearing {
    private static final Logger LOG = LoggerFactory.getLogger(PresenceMachine.class);
    private static final int MAX_TWINS = 4;
    /** Stretches kept; silence within older ones is no longer counted (a peer's silence then takes longer to show). */
    private static final int MAX_STRETCHES = 16;

    private final long limitMs;
    private final long skewMs;
    /** The stretches, oldest first: {since, until}; the last is the current one. */
    private final Deque<long[]> stretches = new ArrayDeque<>();
    /** When anything fresh was last heard; -1 before the first. */
    private volatile long heardAt = -1;
    /** When one of its own last came back; -1 before the first, and once the broker showed it does not echo. */
    private volatile long ownAt = -1;
    private long ownSeq = -1;
    private LongConsumer onTwin = other -> { };
    private final Set<Long> twins = new HashSet<>();
    private boolean saidCutOff;

    Hearing(long offlineAfterMs, long skewMs) {
        this.limitMs = offlineAfterMs;
        this.skewMs = skewMs;
    }

    void onTwin(LongConsumer listener) {
        this.onTwin = listener;
    }

    /** One of this node's own heartbeats arrived at {@code now}; {@code startedAt} is this run's start. */
    void own(InboundMessage m, Heartbeat hb, long startedAt, long now) {
        Envelope env = m.envelope();
        boolean live = m.origin() == InboundMessage.Origin.LIVE && startedAt >= 0;
        if (live && hb.startedAt() == startedAt && hb.seq() > ownSeq && Math.abs(now - env.ts()) <= limitMs) {
            ownSeq = hb.seq();
            heard(startedAt, now);
            ownAt = now;
        } else if (live && hb.startedAt() != startedAt && env.ts() > startedAt && Math.abs(env.ts() - now) <= skewMs
                && twins.size() < MAX_TWINS && twins.add(hb.startedAt())) {
            onTwin.accept(hb.startedAt());
        }
    }

    /**
     * Something fresh arrived at {@code now}. A gap of more than offlineAfter, or a wall clock that stepped back,
     * begins a new stretch; the first begins at the run's start, {@code startedAt}: no gap came before it.
     */
    void heard(long startedAt, long now) {
        long[] last = stretches.peekLast();
        if (last == null) {
            stretches.add(new long[] {Math.min(startedAt, now), now});
        } else if (now < last[1]) {
            stretches.clear(); // the clock stepped back: what came before is in another era of it
            stretches.add(new long[] {now, now});
        } else if (now - last[1] > limitMs) {
            stretches.add(new long[] {now, now});
            if (stretches.size() > MAX_STRETCHES) {
                stretches.removeFirst();
            }
        } else {
            last[1] = now;
        }
        heardAt = now;
        long[] current = stretches.peekLast();
        if (ownAt >= 0 && now - Math.max(ownAt, current[0]) > limitMs) {
            ownAt = -1; // peers heard for offlineAfter, none of its own: this broker does not echo
        }
    }

    /** True while this node's own heartbeats come back: only then can it tell it is cut off. */
    boolean echoes() {
        return ownAt >= 0;
    }

    /** True while its own heartbeats came back before ({@link #echoes}) but nothing fresh within offlineAfter of {@code now}. */
    boolean cutOff(long now) {
        long heard = heardAt;
        return ownAt >= 0 && now - heard > limitMs;
    }

    /**
     * How long, of the time since {@code lastHeard}, this node could hear: the parts of its stretches after it.
     * Without {@link #echoes}, simply the time to {@code now}.
     */
    long heardFor(long lastHeard, long now) {
        if (!echoes()) {
            return now - lastHeard;
        }
        long sum = 0;
        for (long[] s : stretches) {
            sum += Math.max(0, s[1] - Math.max(s[0], lastHeard));
        }
        return sum;
    }

    /**
     * Since when a peer last heard at {@code lastHeard} is silent: then, if this node went on hearing for
     * offlineAfter after it; otherwise (it was cut off before the silence showed) from when it could hear again,
     * as its own gap says nothing about the peer.
     */
    long silentFrom(long lastHeard) {
        if (!echoes()) {
            return lastHeard;
        }
        boolean found = false;
        for (long[] s : stretches) {
            if (found) {
                return s[0];
            }
            if (s[1] >= lastHeard) {
                if (s[0] > lastHeard || s[1] - lastHeard >= limitMs) {
                    return Math.max(s[0], lastHeard);
                }
                found = true;
            }
        }
        return lastHeard;
    }

    /**
     * When a peer that went offline at {@code leftAt} and is heard again now, in the same run, is counted back:
     * when this node stopped hearing after it left, if this node was cut off since and has not heard
     * offlineAfter after that (the peer may have been back all along: the broker going down often hands out some
     * wills before it goes); otherwise now.
     */
    long backFrom(long leftAt, long now) {
        if (!echoes()) {
            return now;
        }
        long until = -1;
        long since = 0;
        for (long[] s : stretches) {
            if (s[0] <= leftAt) { // the stretch it left in (or, left just after it, the one before the gap)
                until = Math.max(s[1], leftAt);
                since = 0;
            } else {
                since += s[1] - s[0];
            }
        }
        return until >= 0 && until < heardAt && since <= limitMs ? until : now;
    }

    /** True if this node was cut off at some time after {@code lastHeard}, or is now: what happened since, it could not see. */
    boolean gapSince(long lastHeard, long now) {
        long[] last = stretches.peekLast();
        return echoes() && (cutOff(now) || last[0] > lastHeard);
    }

    /** Logs when this node finds itself cut off, and when it hears again. */
    void report(long now) {
        if (cutOff(now) != saidCutOff) {
            saidCutOff = !saidCutOff;
            if (saidCutOff) {
                LOG.atWarn().addKeyValue("silent_for", Durations.format(Duration.ofMillis(now - heardAt)))
                        .log("cut off: no fresh heartbeat, not even this node's own, came back; peers' silence is not counted");
            } else {
                LOG.atInfo().log("hearing the broker again");
            }
        }
    }
}
