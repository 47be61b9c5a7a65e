package io.quorumd.node;

import io.quorumd.crypto.NodeId;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.Heartbeat;
import io.quorumd.wire.Offline;
import java.util.Optional;

/**
 * What a starting node learns from its own presence topic before it signs anything (DESIGN §2, sign once),
 * without I/O: whether another process runs with its key — a <em>twin</em>: a cloned machine, a copied data dir
 * and config — and whether its ledger is behind what its key already announced (a data dir restored from a
 * backup). It is fed the verified messages signed by this node's own key, with whether the broker delivered
 * them as retained.
 * <ul>
 *   <li><b>Twin:</b> a heartbeat of another run that arrives live (not retained), signed after this run started
 *       and not ahead of this node's clock by more than the skew: another process signs with this key right
 *       now, and this one, which is only starting, stops ({@link Verdict#TWIN}) whichever start time the other
 *       claims (a cloned machine's clock may be behind). Nothing signed before this run began passes.</li>
 *   <li><b>Watching:</b> a heartbeat of another run that does not pass (retained, or dated before this start)
 *       may be the last word of a run that died before the broker published its will, a replay, or a twin: the
 *       watch lasts until that run's offline notice arrives, or one heartbeat interval plus {@link #MARGIN_MS},
 *       whichever comes first. The same full watch when the broker retains nothing at all of a key whose ledger
 *       has run before (a broker that lost its retained messages). Otherwise (an offline notice retained, or a
 *       first start) it ends after {@link #SETTLE_MS}, the time the broker is given to deliver what it retains.</li>
 *   <li><b>Behind:</b> a heartbeat or offline notice of a run later than every run this ledger recorded: this
 *       key ran with a ledger that went further than this one. The node then signs nothing dated before now
 *       (see {@link LedgerAge#restored}).</li>
 * </ul>
 * A twin whose clock is ahead of this node's by more than {@link #MARGIN_MS}, or that is cut off from the
 * broker during the watch, is found later by the presence machine, and then both processes stop.
 */
public final class StartWatch {
    public static final long SETTLE_MS = 500;
    public static final long MARGIN_MS = 2_000;

    public enum Verdict { WATCHING, CLEAR, TWIN }

    private final NodeId self;
    private final long startedAt;
    private final long latestRecordedRun;
    private final long watchMs;
    private final long skewMs;
    private boolean heardAny;
    private long subscribedAt = -1;
    private long suspect = -1;
    private long twin = -1;
    private String behind;

    /**
     * @param latestRecordedRun the start time of the latest run this ledger recorded (a boot entry), or -1 when
     *                          the ledger recorded none (a new ledger: see {@link LedgerAge})
     */
    public StartWatch(NodeId self, long startedAt, long latestRecordedRun, long heartbeatMs, long skewMs) {
        this.self = self;
        this.skewMs = skewMs;
        this.startedAt = startedAt;
        this.latestRecordedRun = latestRecordedRun;
        this.watchMs = heartbeatMs + MARGIN_MS;
    }

    /** The watch of {@code core}'s run, before its start: its key, start time, latest recorded run and timings. */
    public static StartWatch of(NodeCore core) {
        var c = core.config();
        return new StartWatch(core.id(), core.presence().startedAt(), core.history().latestRun(core.id()),
                c.presence().heartbeat().toMillis(), c.federation().clockSkew().toMillis());
    }

    /** A verifier that accepts only messages signed by {@code core}'s own key. */
    public static io.quorumd.wire.InboundVerifier ownKey(NodeCore core) {
        return new io.quorumd.wire.InboundVerifier(e -> e.from().equals(core.id()) ? core.signerOf(e) : Optional.empty());
    }

    /** The subscription to this node's presence topic is in place (the broker delivers what it retains). */
    public void subscribed(long now) {
        if (subscribedAt < 0) {
            subscribedAt = now;
        }
    }

    /** A message whose signature verified under this node's own key, arrived at {@code now} (this node's clock). */
    public void onOwn(Envelope env, boolean retained, long now) {
        if (!env.from().equals(self)) {
            return;
        }
        heardAny = true;
        if (env.body() instanceof Heartbeat hb && hb.startedAt() != startedAt) {
            laterRun(hb.startedAt(), "a heartbeat");
            if (!retained && env.ts() > startedAt && env.ts() <= now + skewMs) {
                twin = hb.startedAt();
            } else if (suspect < 0) {
                suspect = hb.startedAt(); // a run that died before its will went out, a replay, or a twin: watch
            }
        } else if (env.body() instanceof Offline off && off.startedAt() != startedAt) {
            laterRun(off.startedAt(), "an offline notice");
            if (off.startedAt() == suspect) {
                suspect = -1; // that run is over: its will or its shutdown notice
            }
        }
    }

    private void laterRun(long run, String what) {
        if (latestRecordedRun >= 0 && run > latestRecordedRun && run < startedAt && behind == null) {
            behind = "the broker holds " + what + " of a run of this key that started at " + java.time.Instant.ofEpochMilli(run)
                    + ", after the latest run this ledger recorded (" + java.time.Instant.ofEpochMilli(latestRecordedRun)
                    + "): the data dir was restored from a backup or lost its latest entries";
        }
    }

    public Verdict verdict(long now) {
        if (twin >= 0) {
            return Verdict.TWIN;
        }
        if (subscribedAt < 0) {
            return Verdict.WATCHING;
        }
        long waited = now - subscribedAt;
        boolean full = suspect >= 0 || (!heardAny && latestRecordedRun >= 0);
        return waited >= (full ? watchMs : SETTLE_MS) ? Verdict.CLEAR : Verdict.WATCHING;
    }

    /** How long after subscribing the watch ends at the latest. */
    public long longestMs() {
        return watchMs;
    }

    /** The start time of the other process running with this key, once {@link Verdict#TWIN}. */
    public long twinStartedAt() {
        return twin;
    }

    /** Why this ledger is behind what the key already announced, if it is. */
    public Optional<String> behind() {
        return Optional.ofNullable(behind);
    }
}
