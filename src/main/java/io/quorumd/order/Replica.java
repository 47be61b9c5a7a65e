package io.quorumd.order;

import io.quorumd.crypto.NodeId;
import io.quorumd.loop.Outbox;
import io.quorumd.loop.Scheduler;
import io.quorumd.loop.TimerKey;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderEndorse;
import io.quorumd.wire.OrderRequest;
import io.quorumd.wire.SlotSigner;
import io.quorumd.wire.Topics;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One replica's PBFT ordering of one epoch (DESIGN §12, wave2 §13), without I/O. Inputs are verified
 * envelopes ({@link #onMessage}: the caller checked the signature against the roster; this checks the sender
 * is a replica of the epoch and the role rules) and timers; outputs are sign-once messages, re-publications of
 * messages already signed, journal records and {@link OrderState#apply} in seq order.
 * <p>
 * Normal case: the primary batches pending requests after batchDelay; a backup accepts a pre-prepare from
 * primary(e, v) for h &lt; seq ≤ h + L with a later ts within the skew, valid and new items, and no other digest
 * at (v, seq); everyone signs a prepare; prepared (q prepares incl. the primary's) → commit; q commits →
 * committed; execution in seq order; the primary publishes {@code order.committed}. Every K seqs a checkpoint;
 * q matching make it stable (h moves, the log below is dropped); a stable digest unlike this node's own halts
 * the replica. View change: {@link ViewTimer} runs while a request is pending or a prepared seq is uncommitted
 * (or, while changing, until a new view arrives), doubling per consecutive change up to viewTimeoutMax; f + 1
 * claims for higher views make it join the smallest. {@link Retransmit} re-publishes, when nothing executed
 * since the last tick, what this replica signed for unfinished slots, and fetches what it lacks.
 * <p>
 * Requests: accepted only with at least viewTimeout of their ttl left; a pending request whose ttl runs out is
 * dropped (counted) on the next retransmit tick or when the view timer fires, and the timer is re-evaluated, so an
 * expired request never causes a view change.
 * <p>
 * Caps: pending requests 16 per member; slots, votes and claims bounded as {@link SlotLog}, {@link Checkpoints}
 * and {@link ViewChanges} state; evidence one record per (signer, kind, view, seq) ({@link EvidenceLog});
 * committed batches kept for answers 2L below the last executed; fetch answers at most
 * {@link #FETCH_ANSWERS_PER_TICK} per asking peer per tick. Loop thread only.
 * <p>
 * This class checks sender, epoch and halt and dispatches; the work is done by {@link NormalCase},
 * {@link Proposer}, {@link ViewChangeDriver}, {@link CheckpointDriver} and {@link CatchUp} over one shared
 * {@link ReplicaContext}.
 */
public final class Replica {
    static final int FETCH_ANSWERS_PER_TICK = 16;

    /** The view timer of (epoch, view). */
    public record ViewTimer(long epoch, long view) implements TimerKey {
    }

    /** Time for the primary of (epoch, view) to cut a batch. */
    public record BatchDue(long epoch, long view) implements TimerKey {
    }

    /** Periodic re-publication of unfinished work. */
    public record Retransmit(long epoch) implements TimerKey {
    }

    /**
     * Where this replica starts: its epoch began after seq {@code base} with state {@code baseDigest} (null: the
     * state as it is now), and it executed through {@code lastExecuted}, the last at {@code lastTs}.
     */
    public record Start(long base, String baseDigest, long lastExecuted, long lastTs) {
        /** A replica that starts right where its epoch starts (the anchor is {@code at(0, 0)}). */
        public static Start at(long seq, long ts) {
            return new Start(seq, null, seq, ts);
        }
    }

    /** A stable checkpoint a restarted replica resumes from: seq, state digest and its q checkpoints. */
    public record Stable(long seq, String stateDigest, List<Envelope> certificate) {
    }

    /** A prepared certificate a restarted replica keeps for view changes. */
    public record Prepared(long view, long seq, String digest, List<Envelope> prepares) {
    }

    private final ReplicaContext ctx;

    public Replica(NodeId self, ReplicaSet set, OrderParams params, Clock clock, Scheduler scheduler, SlotSigner signer,
                   Outbox outbox, Topics topics, OrderJournal journal, OrderState state) {
        this(self, set, params, clock, scheduler, signer, outbox, topics, journal, state, Start.at(0, 0));
    }

    public Replica(NodeId self, ReplicaSet set, OrderParams params, Clock clock, Scheduler scheduler, SlotSigner signer,
                   Outbox outbox, Topics topics, OrderJournal journal, OrderState state, Start start) {
        if (set.n() < Quorum.MIN_REPLICAS) {
            throw new IllegalArgumentException("ordering needs at least " + Quorum.MIN_REPLICAS + " replicas, epoch "
                    + set.epoch() + " has " + set.n());
        }
        this.ctx = new ReplicaContext(self, set, params, clock, scheduler, signer, outbox, topics, journal, state, start);
    }

    public void start() {
        // a (re)started replica asks once for the batch after its last executed one: peers may have gone on
        ctx.behind = true;
        ctx.scheduler.schedule(ctx.params.retransmitEvery(), new Retransmit(ctx.epoch));
    }

    /**
     * What a restarted replica knew (from the ledger): its last stable checkpoint, the prepared certificates it
     * committed on above it, and the request ids executed within the ttl. Call before {@link #start()}.
     */
    public void restore(Optional<Stable> stable, List<Prepared> prepared, Map<String, Long> executedIds) {
        stable.filter(s -> s.seq() > ctx.h && s.seq() <= ctx.lastExecuted).ifPresent(s -> {
            ctx.h = s.seq();
            ctx.hDigest = s.stateDigest();
            ctx.hCertificate = List.copyOf(s.certificate());
        });
        for (Prepared p : prepared) {
            ReplicaContext.PreparedCert best = ctx.bestPrepared.get(p.seq());
            if (p.seq() > ctx.h && p.seq() <= ctx.h + ctx.params.window() && (best == null || best.view() < p.view())) {
                ctx.bestPrepared.put(p.seq(), new ReplicaContext.PreparedCert(p.view(), p.digest(), p.prepares()));
            }
        }
        executedIds.forEach(ctx::rememberExecuted);
    }

    /**
     * After a restart, the view this replica was in: the highest it signed anything for, changing to it if
     * what it signed there was only its view change. Without this a restarted replica would be back in view 0,
     * where fresh sign-once slots would let it commit a second digest at a seq it committed in a later view.
     */
    public void resumeView(long view, boolean changing) {
        ctx.viewChange.resume(view, changing);
    }

    /**
     * After a restart: {@link #resumeView} at the highest view of this epoch this replica signed anything in,
     * read from its sign-once slot names ({@code order/<kind>/<epoch>/<view>/…}).
     */
    public void resumeFrom(Set<String> slotNames) {
        String epoch = "/" + ctx.epoch + "/";
        long view = -1;
        boolean onlyChange = false;
        for (String slot : slotNames) {
            String[] p = slot.split("/");
            if (p.length < 4 || !p[0].equals("order") || !("/" + p[2] + "/").equals(epoch)) {
                continue;
            }
            long v;
            try {
                v = Long.parseLong(p[3]);
            } catch (NumberFormatException e) {
                continue;
            }
            boolean change = p[1].equals("viewchange") || p[1].equals("viewproof");
            boolean counts = change || p[1].equals("preprepare") || p[1].equals("prepare") || p[1].equals("commit")
                    || p[1].equals("newview");
            if (!counts) {
                continue;
            }
            if (v > view) {
                view = v;
                onlyChange = change;
            } else if (v == view && !change) {
                onlyChange = false;
            }
        }
        if (view > 0) {
            resumeView(view, onlyChange);
        }
    }

    /** A message of a later epoch arrived: this node may have missed the batch that closed its epoch. */
    public void markBehind() {
        ctx.behind = true;
    }

    public long epoch() {
        return ctx.epoch;
    }

    /** The first seq of this epoch. */
    public long startSeq() {
        return ctx.base + 1;
    }

    public ReplicaSet replicaSet() {
        return ctx.set;
    }

    /** Whether this node only follows the epoch (it is a member but not a replica). */
    public boolean passive() {
        return ctx.passive;
    }

    /** The seq whose roster change closed this epoch, 0 while it is open. */
    public long closedAt() {
        return ctx.closedAt;
    }

    /** The stable checkpoint: seq, state digest and the q checkpoints that certify it (none at the epoch's start). */
    public long stableAt() {
        return ctx.h;
    }

    public String stableDigest() {
        return ctx.hDigest;
    }

    public List<Envelope> stableCertificate() {
        return ctx.hCertificate;
    }

    /** Pending requests (for {@code federation requests}), oldest first. */
    public List<Envelope> pending() {
        return List.copyOf(ctx.pending.values());
    }

    /** The endorsements that count for a pending request. */
    public List<Envelope> endorsementsOf(Envelope request) {
        return ctx.endorsements.counting(ctx.set, request, Integer.MAX_VALUE);
    }

    public long view() {
        return ctx.view;
    }

    public boolean changingView() {
        return ctx.changing;
    }

    public long lowWatermark() {
        return ctx.h;
    }

    public long lastExecuted() {
        return ctx.lastExecuted;
    }

    public boolean halted() {
        return ctx.halted;
    }

    /** How many view-change claims this replica holds. */
    int heldClaims() {
        return ctx.viewChanges.claimCount();
    }

    /** Whether the view timer is armed now. */
    boolean viewTimerArmed() {
        return ctx.viewChange.timerArmed();
    }

    public void onRequest(Envelope env) {
        // a follower holds requests too (its operator may endorse them), but orders nothing
        if (ctx.halted || ctx.closedAt > 0) {
            return;
        }
        // the cheap checks first: a flood of repeats or of one member's requests costs no signature verification
        String id = env.contentId();
        if (ctx.executedIds.containsKey(id)) {
            ctx.refuse("duplicate_request", "request " + id + " executed already");
            return;
        }
        if (ctx.pending.containsKey(id)) {
            if (!env.from().equals(ctx.self)) {
                ctx.refuse("duplicate_request", "request " + id + " pending already");
            }
            return; // this node's own request, back from the broker
        }
        long mine = ctx.pending.values().stream().filter(e -> e.from().equals(env.from())).count();
        if (mine >= OrderParams.MAX_PENDING_PER_MEMBER) {
            ctx.refuse("too_many_pending", ctx.set.label(env.from()) + " has " + mine + " pending requests");
            return;
        }
        long left = ((OrderRequest) env.body()).requestedAt() + ctx.params.requestTtl().toMillis() - ctx.clock.millis();
        if (left < ctx.params.viewTimeout().toMillis()) {
            ctx.refuse("bad_request", "request with less than the view timeout of its ttl left");
            return;
        }
        Optional<String> bad = RequestRules.check(ctx.set, env, ctx.clock.millis(), ctx.params);
        if (bad.isPresent()) {
            ctx.refuse("bad_request", bad.get());
            return;
        }
        ctx.pending.put(id, env);
        ctx.viewChange.refreshTimer();
        ctx.proposer.scheduleBatch();
    }

    public void onMessage(Envelope env) {
        if (ctx.halted) {
            return;
        }
        // this node's own requests and endorsements count like anyone's; its own protocol messages it knows
        if (env.type() == MessageType.ORDER_REQUEST) {
            onRequest(env);
            return;
        }
        if (env.type() == MessageType.ORDER_ENDORSE) {
            onEndorse(env);
            return;
        }
        if (env.from().equals(ctx.self)) {
            return;
        }
        long epoch = ctx.epoch;
        boolean memberFetch = env.type() == MessageType.ORDER_FETCH && ctx.set.member(env.from()).isPresent();
        if (!ctx.set.isReplica(env.from()) && !memberFetch) {
            ctx.refuse("not_replica", env.type().wireName() + " from " + ctx.set.label(env.from())
                    + ", not a replica of epoch " + epoch);
            return;
        }
        if (OrderMessages.epochOf(env.body()) != epoch) {
            ctx.refuse("wrong_epoch", env.type().wireName() + " of epoch " + OrderMessages.epochOf(env.body()) + ", not " + epoch);
            return;
        }
        if ((ctx.passive && env.type() != MessageType.ORDER_COMMITTED) || (ctx.closedAt > 0 && !OrderMessages.finishesClosedEpoch(env.type()))) {
            ctx.refuse(ctx.passive ? "not_a_replica_here" : "stale_epoch", env.type().wireName() + " for epoch " + epoch
                    + (ctx.passive ? ", which this node follows without ordering" : ", closed at seq " + ctx.closedAt));
            return;
        }
        switch (env.type()) {
            case ORDER_PREPREPARE -> ctx.normal.onPreprepare(env);
            case ORDER_PREPARE, ORDER_COMMIT -> ctx.normal.onVote(env);
            case ORDER_CHECKPOINT -> ctx.checkpointing.onCheckpoint(env);
            case ORDER_VIEWCHANGE -> ctx.viewChange.onViewChange(env);
            case ORDER_VIEWPROOF -> ctx.viewChange.onViewProof(env);
            case ORDER_NEWVIEW -> ctx.viewChange.onNewView(env);
            case ORDER_FETCH -> ctx.catchUp.onFetch(env);
            case ORDER_COMMITTED -> ctx.normal.onCommitted(env);
            default -> ctx.refuse("not_order", env.type().wireName() + " is not an ordering message");
        }
    }

    /** An endorsement of a roster request of this epoch, from any member. */
    void onEndorse(Envelope env) {
        if (ctx.closedAt > 0) {
            return;
        }
        OrderEndorse e = (OrderEndorse) env.body();
        if (e.epoch() != ctx.epoch) {
            ctx.refuse("wrong_epoch", "endorsement of epoch " + e.epoch() + ", not " + ctx.epoch);
            return;
        }
        if (ctx.set.member(env.from()).isEmpty()) {
            ctx.refuse("not_member", "endorsement from " + env.from().shortHex() + ", not a member of epoch " + ctx.epoch);
            return;
        }
        Optional<String> no = ctx.endorsements.add(env, ctx.clock.millis());
        if (no.isPresent() && env.from().equals(ctx.self) && no.get().equals("duplicate")) {
            return; // its own endorsement, back from the broker
        }
        if (no.isPresent()) {
            ctx.refuse(no.get(), "endorsement of " + e.requestId() + " from " + ctx.set.label(env.from()));
            return;
        }
        Envelope request = ctx.pending.get(e.requestId());
        if (request != null && ctx.ready(request)) {
            ctx.viewChange.refreshTimer();
            ctx.proposer.scheduleBatch();
        }
    }

    public void onTimer(TimerKey key) {
        if (ctx.halted) {
            return;
        }
        if (ctx.closedAt > 0 && !(key instanceof Retransmit)) {
            return;
        }
        if (key instanceof ViewTimer t) {
            ctx.viewChange.onViewTimer(t);
        } else if (key instanceof BatchDue b) {
            ctx.proposer.onBatchDue(b);
        } else if (key instanceof Retransmit) {
            ctx.catchUp.retransmit();
            ctx.scheduler.schedule(ctx.params.retransmitEvery(), new Retransmit(ctx.epoch));
        }
    }
}
