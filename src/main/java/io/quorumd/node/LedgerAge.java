package io.quorumd.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.ledger.EntryKind;
import io.quorumd.loop.VoteGuard;
import io.quorumd.wire.Json;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When this node's ledger began, and whether its clock agrees with its peers': the {@link VoteGuard} of
 * DESIGN §13's "a new ledger signs nothing older than itself".
 * <ul>
 *   <li>A ledger begun by a key that had never signed ({@link KeyUse}) may vote on anything.</li>
 *   <li>Any other new ledger — a lost or replaced disk — begins when this node's clock is first seen to
 *       agree with its peers' (within {@code federation.clockSkew}); until then it signs no vote. From then
 *       on it signs none on anything dated before it began plus twice the skew: every vote its key signed
 *       under the old ledger is dated no later than the old clock's reading at the time, which (with every
 *       member's clock within the skew of true time) is earlier than that.</li>
 *   <li>A ledger written before this rule existed began at its first boot entry.</li>
 *   <li>Whatever the ledger, no vote while this node's clock is off its peers' by more than the skew.</li>
 * </ul>
 * Loop thread, except {@link #describe()}.
 */
final class LedgerAge implements VoteGuard {
    private static final Logger LOG = LoggerFactory.getLogger(LedgerAge.class);
    enum State { FRESH_KEY, WAITING_FOR_CLOCK, BEGAN }

    private final long skewMs;
    private final LongSupplier clock;
    private final Supplier<List<Long>> peerOffsets;
    private final boolean alone;
    private final KeyUse keyUse;
    private final BiFunction<EntryKind, ObjectNode, ?> append;
    private LongSupplier runStart = () -> Long.MIN_VALUE;
    private BooleanSupplier synced = () -> true;
    private volatile State state;
    private volatile long began;
    private boolean keyUsedAtCommit;

    LedgerAge(State state, long began, long skewMs, LongSupplier clock, Supplier<List<Long>> peerOffsets, boolean alone,
              KeyUse keyUse, BiFunction<EntryKind, ObjectNode, ?> append) {
        this.keyUse = keyUse;
        this.append = append;
        this.state = state;
        this.began = began;
        this.skewMs = skewMs;
        this.clock = clock;
        this.peerOffsets = peerOffsets;
        this.alone = alone;
    }

    /**
     * Until this run caught up with f + 1 peers ({@code synced}), no vote on anything dated before this run
     * started ({@code runStart}): the peers hold what this key signed that this ledger may lack (a data dir
     * restored from a backup), and the sync brings it back first. Returns this.
     */
    LedgerAge untilSynced(LongSupplier runStart, BooleanSupplier synced) {
        this.runStart = runStart;
        this.synced = synced;
        return this;
    }

    /**
     * Before the first boot entry of this run: the key is known to have run further than this ledger holds (a
     * data dir restored from a backup). The ledger begins again, recorded: no vote on anything dated before
     * it began plus twice the skew, as for a new ledger of a used key.
     */
    void restored(String why) {
        state = State.WAITING_FOR_CLOCK;
        ObjectNode data = Json.object();
        data.put("freshKey", false);
        data.put("restored", why);
        append.apply(EntryKind.BEGAN, data);
        LOG.atWarn().addKeyValue("why", why).log("this ledger is behind what its key signed: it signs no vote on"
                + " anything dated before it begins again");
        beginIfClockAgrees();
    }

    State state() {
        return state;
    }

    /**
     * At boot: the first boot of a ledger records how it began (a key that never signed, or one that may
     * have), and a stale unused-key marker beside a key that has a ledger goes.
     */
    void start(boolean emptyLedger) {
        if (!emptyLedger) {
            if (keyUse.neverUsed()) {
                LOG.atInfo().log("the unused-key marker sits beside a key that has a ledger; removing it");
                keyUse.used();
            }
            return;
        }
        boolean fresh = keyUse.neverUsed();
        ObjectNode data = Json.object();
        data.put("freshKey", fresh);
        append.apply(EntryKind.BEGAN, data);
        if (fresh) {
            state = State.FRESH_KEY;
            keyUsedAtCommit = true;
        } else {
            state = State.WAITING_FOR_CLOCK;
            LOG.atWarn().log("new ledger for a key that may have signed before (a lost or replaced disk): this node"
                    + " signs no vote on anything dated before its ledger began");
        }
        beginIfClockAgrees();
    }

    /** After a commit: a fresh key's first ledger is durable, so the key counts as used from now on. */
    void committed() {
        if (keyUsedAtCommit) {
            keyUsedAtCommit = false;
            keyUse.used();
        }
    }

    long began() {
        return began;
    }

    /** More than half the peers heard from say this node's clock is off by more than the skew: how far, or empty. */
    private Optional<Long> clockOff() {
        List<Long> offsets = peerOffsets.get();
        List<Long> off = offsets.stream().filter(o -> Math.abs(o) > skewMs).toList();
        return 2 * off.size() > offsets.size() ? Optional.of(Math.abs(off.get(off.size() / 2))) : Optional.empty();
    }

    /** More than half the peers heard from agree with this node's clock (within the skew). */
    private boolean clockAgrees() {
        List<Long> offsets = peerOffsets.get();
        return 2 * offsets.stream().filter(o -> Math.abs(o) <= skewMs).count() > offsets.size();
    }

    /** A waiting ledger begins now, recorded, if this node's clock agrees with its peers' (or it has none). */
    void beginIfClockAgrees() {
        if (state != State.WAITING_FOR_CLOCK || !(alone || clockAgrees())) {
            return;
        }
        began = clock.getAsLong();
        state = State.BEGAN;
        ObjectNode data = Json.object();
        data.put("at", began);
        append.apply(EntryKind.BEGAN, data);
        LOG.atInfo().addKeyValue("at", Instant.ofEpochMilli(began)).log("clock agrees with the peers': the new ledger begins now");
    }

    @Override
    public Optional<Refusal> refusal(long datedAt) {
        Optional<Long> off = clockOff();
        if (off.isPresent()) {
            return Optional.of(new Refusal("clock_off", "this node's clock is " + off.get() + " ms off its peers'"
                    + " (more than federation.clockSkew): fix its time (NTP) before it signs"));
        }
        Optional<Refusal> byAge = switch (state) {
            case FRESH_KEY -> Optional.empty();
            case WAITING_FOR_CLOCK -> Optional.of(new Refusal("ledger_new", "this node's ledger is new and its key may"
                    + " have signed before; it signs once its clock was checked against a peer's heartbeats"));
            case BEGAN -> datedAt < began + 2 * skewMs
                    ? Optional.of(new Refusal("before_ledger", "it is dated before " + Instant.ofEpochMilli(began + 2 * skewMs)
                            + ": this node's ledger is new (it began " + Instant.ofEpochMilli(began) + ") and its key"
                            + " may have signed on anything dated earlier (twice federation.clockSkew after the"
                            + " beginning) before its old ledger was lost"))
                    : Optional.empty();
        };
        if (byAge.isEmpty() && !alone && datedAt < runStart.getAsLong() && !synced.getAsBoolean()) {
            return Optional.of(new Refusal("sync_first", "it is dated before this run started and this run has not"
                    + " caught up with f + 1 peers yet: they may hold what this key signed that this ledger lacks"));
        }
        return byAge;
    }

    /** For {@code status}. */
    String describe() {
        return switch (state) {
            case FRESH_KEY -> "begun by a new key";
            case WAITING_FOR_CLOCK -> "new, waiting for a peer's heartbeats to check the clock";
            case BEGAN -> "began " + Instant.ofEpochMilli(began);
        } + clockOff().map(ms -> "; clock " + ms + " ms off its peers'").orElse("");
    }
}
