package io.quorumd.order;

import io.quorumd.crypto.NodeId;
import io.quorumd.order.ReplicaContext.Decided;
import io.quorumd.order.ReplicaContext.PreparedCert;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderBatch;
import io.quorumd.wire.OrderCheckpoint;
import io.quorumd.wire.OrderCommitted;
import io.quorumd.wire.OrderItem;
import io.quorumd.wire.OrderPreprepare;
import io.quorumd.wire.OrderRequest;
import io.quorumd.wire.OrderVote;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The normal case of one view (the primary's batching is {@link Proposer}): a pre-prepare accepted at (v, seq)
 * fixes the slot's digest (a second digest from the primary is evidence and starts a view change); prepared → sign
 * a commit; committed → decided; decided seqs execute strictly in seq order, each request at most once, and
 * every K seqs this replica signs its checkpoint. Two different digests decided at one seq break safety and
 * throw. While the view is changing, votes are only recorded and bodies kept; what is decided still executes.
 */
final class NormalCase {
    private final ReplicaContext ctx;

    NormalCase(ReplicaContext ctx) {
        this.ctx = ctx;
    }

    void onPreprepare(Envelope env) {
        OrderPreprepare pp = (OrderPreprepare) env.body();
        if (!env.from().equals(ctx.set.primary(pp.view()))) {
            ctx.refuse("not_primary", "pre-prepare of view " + pp.view() + " from " + ctx.set.label(env.from()));
            return;
        }
        if (!pp.batch().digest().equals(pp.digest())) {
            ctx.refuse("bad_digest", "pre-prepare at seq " + pp.seq() + " whose digest is not its batch's");
            return;
        }
        if (pp.view() < ctx.view || (pp.view() == ctx.view && ctx.changing)) {
            if (ctx.catchUp.wantsBody(pp.digest())) {
                ctx.catchUp.storeBody(env);
            } else {
                ctx.refuse("wrong_view", "pre-prepare of view " + pp.view() + " in view " + ctx.view
                        + (ctx.changing ? " (changing)" : ""));
            }
            return;
        }
        if (pp.seq() <= ctx.h || pp.seq() > ctx.h + ctx.params.window()) {
            ctx.refuse("outside_window", "pre-prepare at seq " + pp.seq() + " outside (" + ctx.h + ", "
                    + (ctx.h + ctx.params.window()) + "]");
            return;
        }
        if (pp.view() > ctx.view) {
            if (pp.view() <= ctx.view + SlotLog.VIEWS_AHEAD) {
                Slot early = ctx.log.open(pp.view(), pp.seq());
                if (early.preprepare == null) {
                    early.preprepare = env;
                } else if (early.preprepare.contentId().equals(env.contentId())) {
                    ctx.refuse("duplicate", "pre-prepare of view " + pp.view() + " seq " + pp.seq() + " held already");
                } else {
                    ctx.equivocation("conflicting_preprepare", EvidenceLog.Kind.PREPREPARE, pp.view(), pp.seq(),
                            early.preprepare, env, "primary " + ctx.set.label(env.from()) + " proposed two batches for view "
                                    + pp.view() + " seq " + pp.seq());
                }
            } else {
                ctx.refuse("wrong_view", "pre-prepare of view " + pp.view() + " in view " + ctx.view);
            }
            return;
        }
        acceptPreprepare(env);
    }

    /** The pre-prepare checks of the current view, in wave2's order; accepted → prepare. */
    void acceptPreprepare(Envelope env) {
        OrderPreprepare pp = (OrderPreprepare) env.body();
        if (pp.seq() <= ctx.lastExecuted) {
            ctx.refuse("duplicate", "pre-prepare at seq " + pp.seq() + ", executed already");
            return;
        }
        Slot slot = ctx.log.open(ctx.view, pp.seq());
        if (slot.digest != null) {
            if (slot.digest.equals(pp.digest())) {
                ctx.refuse("duplicate", "pre-prepare at view " + ctx.view + " seq " + pp.seq() + " accepted already");
            } else {
                String detail = "primary " + ctx.set.label(env.from()) + " proposed two digests at view " + ctx.view
                        + " seq " + pp.seq();
                ctx.equivocation("conflicting_preprepare", EvidenceLog.Kind.PREPREPARE, ctx.view, pp.seq(),
                        slot.preprepare != null ? slot.preprepare : ctx.newView, env, detail);
                ctx.viewChange.startViewChange(ctx.view + 1);
            }
            return;
        }
        long previous = Math.max(ctx.lastExecutedTs,
                ctx.log.find(ctx.view, pp.seq() - 1).map(s -> s.batch == null ? 0 : s.batch.ts()).orElse(0L));
        long now = ctx.clock.millis();
        if (pp.ts() <= previous || Math.abs(pp.ts() - now) > ctx.params.clockSkew().toMillis()) {
            ctx.refuse("bad_ts", "pre-prepare at seq " + pp.seq() + " stamped " + pp.ts() + " (previous " + previous
                    + ", now " + now + ")");
            return;
        }
        Optional<String> shape = RequestRules.checkBatch(pp.items());
        if (shape.isPresent()) {
            ctx.refuse("bad_request", "seq " + pp.seq() + ": " + shape.get());
            return;
        }
        if (rosterChangeBelow(pp.seq())) {
            ctx.refuse("epoch_pending", "pre-prepare at seq " + pp.seq() + " above an unexecuted roster change");
            return;
        }
        if (!pp.items().isEmpty() && RequestRules.closesEpoch(pp.items().get(pp.items().size() - 1).request())
                && batchAbove(pp.seq())) {
            // whichever arrives first, no replica accepts both a roster change and a batch above it in one epoch
            ctx.refuse("epoch_pending", "a roster change at seq " + pp.seq() + " below a batch already accepted");
            return;
        }
        Set<String> ids = new HashSet<>();
        for (OrderItem item : pp.items()) {
            // a request this replica holds as pending was checked in full when it arrived (same content id, same bytes)
            Optional<String> bad = RequestRules.check(ctx.set, item, pp.ts(), ctx.params,
                    ctx.pending.containsKey(item.requestId()));
            if (bad.isPresent()) {
                ctx.refuse("bad_request", "seq " + pp.seq() + ": " + bad.get());
                return;
            }
            String id = item.requestId();
            Long other = ctx.assigned.get(id);
            if (!ids.add(id) || ctx.executedIds.containsKey(id) || (other != null && other != pp.seq())) {
                ctx.refuse("duplicate_request", "request " + id + " at seq " + pp.seq() + " is executed or ordered already");
                return;
            }
        }
        slot.preprepare = env;
        slot.digest = pp.digest();
        slot.batch = pp.batch();
        ctx.bodies.put(pp.digest(), env);
        ids.forEach(id -> ctx.assigned.put(id, pp.seq()));
        signVote(MessageType.ORDER_PREPARE, slot);
        progress(slot);
    }

    void onVote(Envelope env) {
        OrderVote v = (OrderVote) env.body();
        String kind = env.type() == MessageType.ORDER_PREPARE ? "prepare" : "commit";
        if (v.view() < ctx.view || v.view() > ctx.view + SlotLog.VIEWS_AHEAD) {
            ctx.refuse("wrong_view", kind + " of view " + v.view() + " in view " + ctx.view);
            return;
        }
        if (v.seq() <= ctx.h || v.seq() > ctx.h + ctx.params.window()) {
            ctx.refuse("outside_window", kind + " at seq " + v.seq() + " outside (" + ctx.h + ", "
                    + (ctx.h + ctx.params.window()) + "]");
            return;
        }
        ctx.highestSeen = Math.max(ctx.highestSeen, v.seq());
        Slot slot = ctx.log.open(v.view(), v.seq());
        if (slot.holds(env)) {
            ctx.refuse("duplicate", kind + " from " + ctx.set.label(env.from()) + " at view " + v.view() + " seq " + v.seq()
                    + " held already");
            return;
        }
        Optional<Envelope> earlier = Slot.record(env.type() == MessageType.ORDER_PREPARE ? slot.prepares : slot.commits, env);
        if (earlier.isPresent()) {
            EvidenceLog.Kind k = env.type() == MessageType.ORDER_PREPARE ? EvidenceLog.Kind.PREPARE : EvidenceLog.Kind.COMMIT;
            ctx.equivocation("equivocation", k, v.view(), v.seq(), earlier.get(), env,
                    "two " + kind + "s from " + ctx.set.label(env.from()) + " at view " + v.view() + " seq " + v.seq());
            if (env.from().equals(ctx.set.primary(ctx.view)) && v.view() == ctx.view) {
                ctx.viewChange.startViewChange(ctx.view + 1);
            }
            return;
        }
        if (slot.digest != null && !slot.digest.equals(v.digest())
                && slot.vouched(ctx.set).filter(v.digest()::equals).isPresent()) {
            ctx.catchUp.fetch(v.seq(), v.digest());
        }
        progress(slot);
    }

    void progress(Slot slot) {
        if (slot.view != ctx.view || ctx.changing || !slot.prepared(ctx.set)) {
            return;
        }
        PreparedCert best = ctx.bestPrepared.get(slot.seq);
        if (best == null || best.view() < slot.view) {
            ctx.bestPrepared.put(slot.seq, new PreparedCert(slot.view, slot.digest, Slot.matching(slot.prepares, slot.digest)));
        }
        if (!slot.commitSent && !ctx.passive) {
            ctx.journal.prepared(slot.view, slot.seq, slot.digest, Slot.matching(slot.prepares, slot.digest));
            signVote(MessageType.ORDER_COMMIT, slot);
        }
        if (!slot.decided && slot.committed(ctx.set)) {
            slot.decided = true;
            decide(slot.seq, slot.view, slot.digest, slot.batch, Slot.matching(slot.commits, slot.digest));
        }
    }

    void signVote(MessageType type, Slot slot) {
        if (ctx.passive || (ctx.closedAt > 0 && slot.seq > ctx.closedAt)) {
            return; // nothing is ordered above the seq that closed the epoch, and a follower signs no votes
        }
        String kind = type == MessageType.ORDER_PREPARE ? "prepare" : "commit";
        Envelope env = ctx.signer.signOnce("order/" + kind + "/" + ctx.epoch + "/" + slot.view + "/" + slot.seq, type,
                new OrderVote(ctx.epoch, slot.view, slot.seq, slot.digest), ctx.topics.orderVote(), false);
        if (type == MessageType.ORDER_COMMIT) {
            slot.commitSent = true;
            slot.commits.putIfAbsent(ctx.self, env);
        } else {
            slot.prepares.putIfAbsent(ctx.self, env);
        }
    }

    private void decide(long seq, long inView, String digest, OrderBatch batch, List<Envelope> commits) {
        if (seq <= ctx.lastExecuted) {
            return;
        }
        Decided earlier = ctx.decided.get(seq);
        if (earlier != null && !earlier.digest().equals(digest)) {
            throw new IllegalStateException("two digests committed at seq " + seq + ": " + earlier.digest() + " and " + digest);
        }
        if (earlier == null || (earlier.batch() == null && batch != null)) {
            ctx.decided.put(seq, new Decided(inView, digest, batch, commits));
        }
        if (batch == null) {
            ctx.catchUp.fetch(seq, digest);
        }
        execute();
    }

    /** Executes decided seqs with known bodies from lastExecuted + 1 on, signing a checkpoint every K. */
    void execute() {
        boolean progressed = false;
        Decided d;
        while (!ctx.halted && ctx.closedAt == 0 && (d = ctx.decided.get(ctx.lastExecuted + 1)) != null && d.batch() != null) {
            ctx.decided.remove(ctx.lastExecuted + 1);
            long seq = ctx.lastExecuted + 1;
            List<OrderItem> fresh = new ArrayList<>();
            for (OrderItem item : d.batch().items()) {
                String id = item.requestId();
                if (ctx.rememberExecuted(id, ((OrderRequest) item.request().body()).requestedAt())) {
                    fresh.add(item);
                }
                ctx.pending.remove(id);
                ctx.forget(id);
            }
            ctx.state.apply(seq, d.batch().ts(), fresh);
            // by the batch ts, the same on every node: a request older than the ttl can no longer be ordered
            ctx.forgetExecutedBefore(d.batch().ts() - ctx.params.requestTtl().toMillis());
            ctx.lastExecuted = seq;
            ctx.lastExecutedTs = Math.max(ctx.lastExecutedTs, d.batch().ts());
            ctx.executed.put(seq, d);
            ctx.executed.headMap(seq - 2L * ctx.params.window(), true).clear();
            ctx.journal.executed(seq, d.view(), d.batch().items(), d.commits());
            progressed = true;
            boolean closing = ctx.state.closesEpoch();
            if (closing) {
                ctx.closedAt = seq;
                ctx.viewChange.cancelTimer();
            }
            if (ctx.passive) {
                continue;
            }
            boolean announced = closing;
            if (d.view() == ctx.view && !ctx.changing) {
                ctx.consecutiveChanges = 0;
                if (ctx.self.equals(ctx.set.primary(ctx.view))) {
                    publishCommitted(seq);
                    announced = true;
                }
            }
            if (closing) {
                // every replica publishes the closing batch: a replica that lags must not wait for a silent primary
                publishCommitted(seq);
            }
            if (announced) {
                ctx.heardAnnounced.add(seq); // its own: it checks nobody else's
            } else if (!ctx.heardAnnounced.contains(seq)) {
                ctx.unannounced.put(seq, 0);
            }
            ctx.unannounced.headMap(seq - 2L * ctx.params.window(), true).clear();
            ctx.heardAnnounced.headSet(seq - 2L * ctx.params.window(), true).clear();
            ctx.badAnnouncers.headMap(seq - 2L * ctx.params.window(), true).clear();
            if (seq % ctx.params.checkpointEvery() == 0 || closing) {
                String digest = ctx.state.digest();
                ctx.ownDigests.put(seq, digest);
                Envelope cp = ctx.signer.signOnce("order/checkpoint/" + ctx.epoch + "/" + seq, MessageType.ORDER_CHECKPOINT,
                        new OrderCheckpoint(ctx.epoch, seq, digest), ctx.topics.orderVote(), false);
                ctx.checkpoints.add(cp);
                ctx.checkpointing.checkStable(seq);
            }
        }
        if (progressed && ctx.closedAt == 0) {
            ctx.viewChange.progressed();
            ctx.proposer.scheduleBatch(); // a primary that waited for a re-proposed body may go on
        }
    }

    /** Signs (first time) or re-publishes the {@code order.committed} of an executed seq still held. */
    void publishCommitted(long seq) {
        Decided d = ctx.executed.get(seq);
        if (d == null) {
            return;
        }
        String slot = "order/committed/" + ctx.epoch + "/" + seq;
        boolean fresh = ctx.signer.signed(slot).isEmpty();
        Envelope env = ctx.signer.signOnce(slot, MessageType.ORDER_COMMITTED, new OrderCommitted(ctx.epoch, seq, d.view(),
                d.batch().ts(), d.batch().items(), d.commits()), ctx.topics.orderFinal(), false);
        if (!fresh) {
            ctx.outbox.publish(ctx.topics.orderFinal(), env, false);
        }
    }

    void onCommitted(Envelope env) {
        OrderCommitted c = (OrderCommitted) env.body();
        boolean held = c.seq() <= ctx.lastExecuted || ctx.decided.containsKey(c.seq()) && ctx.decided.get(c.seq()).batch() != null;
        if (held) {
            if (!announcedInvalidly(env, c)) {
                ctx.refuse("duplicate", "committed seq " + c.seq() + ", decided already");
            }
            return;
        }
        if (c.seq() > ctx.lastExecuted + 2L * ctx.params.window()) {
            ctx.refuse("outside_window", "committed seq " + c.seq() + " far above the last executed " + ctx.lastExecuted);
            ctx.journal.behind();
            return;
        }
        Optional<String> bad = CommitProofValidator.commitProof(ctx.set, c, ctx.params);
        if (bad.isPresent()) {
            ctx.refuse("invalid_commit_proof", "seq " + c.seq() + ": " + bad.get());
            return;
        }
        ctx.highestSeen = Math.max(ctx.highestSeen, c.seq());
        ctx.heardAnnounced.add(c.seq());
        decide(c.seq(), c.view(), c.batch().digest(), c.batch(), c.commits());
    }

    /**
     * A committed batch this replica holds, while nobody's announcement of it was heard: a valid announcement of the
     * batch it decided at that seq spares it its own; one whose commits do not stand is counted (true) and makes
     * this replica check nothing more that its sender announces for the seq — each check costs up to q signature
     * verifications, which a sender could otherwise make it spend again and again with the genuine commits first.
     * The items need no check: the digest binds them to the batch this replica checked before executing it.
     */
    private boolean announcedInvalidly(Envelope env, OrderCommitted c) {
        long seq = c.seq();
        Set<NodeId> failed = ctx.badAnnouncers.get(seq);
        if (Math.abs(seq - ctx.lastExecuted) > 2L * ctx.params.window() || ctx.heardAnnounced.contains(seq)
                || (failed != null && failed.contains(env.from()))) {
            return false;
        }
        Decided mine = ctx.executed.containsKey(seq) ? ctx.executed.get(seq) : ctx.decided.get(seq);
        if (mine == null || !mine.digest().equals(c.batch().digest())) {
            return false;
        }
        Optional<String> bad = CommitProofValidator.commits(ctx.set, c);
        if (bad.isEmpty()) {
            ctx.heardAnnounced.add(seq); // somebody published it: this replica need not
            ctx.unannounced.remove(seq);
            return false;
        }
        ctx.badAnnouncers.computeIfAbsent(seq, k -> new HashSet<>()).add(env.from());
        ctx.refuse("invalid_commit_proof", "announcement of seq " + seq + " from " + ctx.set.label(env.from()) + ": "
                + bad.get());
        return true;
    }

    /** Whether this view's log holds an accepted batch above {@code seq}. */
    private boolean batchAbove(long seq) {
        return ctx.log.inView(ctx.view).stream().anyMatch(s -> s.seq > seq && s.batch != null);
    }

    /** Whether an accepted, unexecuted batch below {@code seq} changes the roster (then nothing above it is ordered). */
    boolean rosterChangeBelow(long seq) {
        for (Slot slot : ctx.log.inView(ctx.view)) {
            if (slot.seq > ctx.lastExecuted && slot.seq < seq && slot.batch != null && !slot.batch.items().isEmpty()
                    && RequestRules.closesEpoch(slot.batch.items().get(slot.batch.items().size() - 1).request())) {
                return true;
            }
        }
        return false;
    }
}
