package io.quorumd.order;

import io.quorumd.crypto.NodeId;
import io.quorumd.loop.Outbox;
import io.quorumd.loop.Scheduler;
import io.quorumd.loop.TimerKey;
import io.quorumd.wire.Body;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderCheckpoint;
import io.quorumd.wire.OrderCommitted;
import io.quorumd.wire.OrderFetch;
import io.quorumd.wire.OrderNewView;
import io.quorumd.wire.OrderPreprepare;
import io.quorumd.wire.OrderRequest;
import io.quorumd.wire.OrderViewChange;
import io.quorumd.wire.OrderViewProof;
import io.quorumd.wire.OrderVote;
import io.quorumd.wire.SlotSigner;
import io.quorumd.wire.Topics;
import java.time.Clock;
import java.util.Optional;

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

    private final ReplicaContext ctx;

    public Replica(NodeId self, ReplicaSet set, OrderParams params, Clock clock, Scheduler scheduler, SlotSigner signer,
                   Outbox outbox, Topics topics, OrderJournal journal, OrderState state) {
        if (set.n() < Quorum.MIN_REPLICAS) {
            throw new IllegalArgumentException("ordering needs at least " + Quorum.MIN_REPLICAS + " replicas, epoch "
                    + set.epoch() + " has " + set.n());
        }
        this.ctx = new ReplicaContext(self, set, params, clock, scheduler, signer, outbox, topics, journal, state);
    }

    public void start() {
        ctx.scheduler.schedule(ctx.params.retransmitEvery(), new Retransmit(ctx.epoch));
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
        if (ctx.halted) {
            return;
        }
        Optional<String> bad = RequestRules.check(ctx.set, env, ctx.clock.millis(), ctx.params);
        if (bad.isPresent()) {
            ctx.refuse("bad_request", bad.get());
            return;
        }
        long left = ((OrderRequest) env.body()).requestedAt() + ctx.params.requestTtl().toMillis() - ctx.clock.millis();
        if (left < ctx.params.viewTimeout().toMillis()) {
            ctx.refuse("bad_request", "request with less than the view timeout of its ttl left");
            return;
        }
        String id = env.contentId();
        if (ctx.executedIds.containsKey(id)) {
            ctx.refuse("duplicate_request", "request " + id + " executed already");
            return;
        }
        if (ctx.pending.containsKey(id)) {
            ctx.refuse("duplicate_request", "request " + id + " pending already");
            return;
        }
        long mine = ctx.pending.values().stream().filter(e -> e.from().equals(env.from())).count();
        if (mine >= OrderParams.MAX_PENDING_PER_MEMBER) {
            ctx.refuse("too_many_pending", ctx.set.label(env.from()) + " has " + mine + " pending requests");
            return;
        }
        ctx.pending.put(id, env);
        ctx.viewChange.refreshTimer();
        ctx.proposer.scheduleBatch();
    }

    public void onMessage(Envelope env) {
        if (ctx.halted || env.from().equals(ctx.self)) {
            return;
        }
        if (env.type() == MessageType.ORDER_REQUEST) {
            onRequest(env);
            return;
        }
        long epoch = ctx.epoch;
        if (!ctx.set.isReplica(env.from())) {
            ctx.refuse("not_replica", env.type().wireName() + " from " + ctx.set.label(env.from())
                    + ", not a replica of epoch " + epoch);
            return;
        }
        if (epochOf(env.body()) != epoch) {
            ctx.refuse("wrong_epoch", env.type().wireName() + " of epoch " + epochOf(env.body()) + ", not " + epoch);
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

    public void onTimer(TimerKey key) {
        if (ctx.halted) {
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

    private static long epochOf(Body b) {
        if (b instanceof OrderPreprepare x) {
            return x.epoch();
        } else if (b instanceof OrderVote x) {
            return x.epoch();
        } else if (b instanceof OrderCheckpoint x) {
            return x.epoch();
        } else if (b instanceof OrderViewChange x) {
            return x.epoch();
        } else if (b instanceof OrderViewProof x) {
            return x.epoch();
        } else if (b instanceof OrderNewView x) {
            return x.epoch();
        } else if (b instanceof OrderFetch x) {
            return x.epoch();
        } else if (b instanceof OrderCommitted x) {
            return x.epoch();
        }
        return -1;
    }
}
