package io.quorumd.order;

import io.quorumd.crypto.NodeId;
import io.quorumd.loop.Outbox;
import io.quorumd.loop.Scheduler;
import io.quorumd.loop.TimerKey;
import io.quorumd.wire.Body;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderBatch;
import io.quorumd.wire.OrderCheckpoint;
import io.quorumd.wire.OrderCommitted;
import io.quorumd.wire.OrderFetch;
import io.quorumd.wire.OrderItem;
import io.quorumd.wire.OrderNewView;
import io.quorumd.wire.OrderPreprepare;
import io.quorumd.wire.OrderRequest;
import io.quorumd.wire.OrderViewChange;
import io.quorumd.wire.OrderViewProof;
import io.quorumd.wire.OrderVote;
import io.quorumd.wire.SlotSigner;
import io.quorumd.wire.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

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
 * Caps: pending requests 16 per member; slots, votes and claims bounded as {@link SlotLog}, {@link Checkpoints}
 * and {@link ViewChanges} state; committed batches kept for answers 2L below the last executed; fetch answers
 * at most {@link #FETCH_ANSWERS_PER_TICK} per tick. Loop thread only.
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

    private record Decided(long view, String digest, OrderBatch batch, List<Envelope> commits) {
    }

    private record PreparedCert(long view, String digest, List<Envelope> prepares) {
    }

    private final NodeId self;
    private final ReplicaSet set;
    private final long epoch;
    private final OrderParams params;
    private final Clock clock;
    private final Scheduler scheduler;
    private final SlotSigner signer;
    private final Outbox outbox;
    private final Topics topics;
    private final OrderJournal journal;
    private final OrderState state;

    private final SlotLog log = new SlotLog();
    private final ViewChanges viewChanges;
    private final Checkpoints checkpoints;
    private final LinkedHashMap<String, Envelope> pending = new LinkedHashMap<>();
    private final Map<String, Long> executedIds = new HashMap<>();
    private final Map<String, Long> assigned = new HashMap<>();
    private final Map<String, Envelope> bodies = new HashMap<>();
    private final TreeMap<Long, PreparedCert> bestPrepared = new TreeMap<>();
    private final TreeMap<Long, Decided> decided = new TreeMap<>();
    private final TreeMap<Long, Decided> executed = new TreeMap<>();
    private final TreeMap<Long, String> ownDigests = new TreeMap<>();
    private final Set<String> asked = new HashSet<>();

    private long view;
    private boolean changing;
    private int consecutiveChanges;
    private long h;
    private String hDigest;
    private List<Envelope> hCertificate = List.of();
    private long lastExecuted;
    private long lastExecutedTs;
    private long nextSeq = 1;
    private long lastProposedTs;
    private long highestSeen;
    private long progressMark = -1;
    private int answers;
    private boolean halted;
    private boolean batchScheduled;
    private Envelope newView;
    private ViewTimer armedKey;
    private Scheduler.Cancellable armed;

    public Replica(NodeId self, ReplicaSet set, OrderParams params, Clock clock, Scheduler scheduler, SlotSigner signer,
                   Outbox outbox, Topics topics, OrderJournal journal, OrderState state) {
        if (set.n() < Quorum.MIN_REPLICAS) {
            throw new IllegalArgumentException("ordering needs at least " + Quorum.MIN_REPLICAS + " replicas, epoch "
                    + set.epoch() + " has " + set.n());
        }
        this.self = self;
        this.set = set;
        this.epoch = set.epoch();
        this.params = params;
        this.clock = clock;
        this.scheduler = scheduler;
        this.signer = signer;
        this.outbox = outbox;
        this.topics = topics;
        this.journal = journal;
        this.state = state;
        this.viewChanges = new ViewChanges(set);
        this.checkpoints = new Checkpoints(set);
        this.hDigest = state.digest();
    }

    public void start() {
        scheduler.schedule(params.retransmitEvery(), new Retransmit(epoch));
    }

    public long view() {
        return view;
    }

    public boolean changingView() {
        return changing;
    }

    public long lowWatermark() {
        return h;
    }

    public long lastExecuted() {
        return lastExecuted;
    }

    public boolean halted() {
        return halted;
    }

    public boolean isReplica() {
        return set.isReplica(self);
    }

    // ---------------------------------------------------------------- inputs

    public void onRequest(Envelope env) {
        if (halted) {
            return;
        }
        Optional<String> bad = RequestRules.check(set, env, clock.millis(), params);
        if (bad.isPresent()) {
            refuse("bad_request", bad.get());
            return;
        }
        String id = env.contentId();
        if (executedIds.containsKey(id)) {
            refuse("duplicate_request", "request " + id + " executed already");
            return;
        }
        if (pending.containsKey(id)) {
            return;
        }
        long mine = pending.values().stream().filter(e -> e.from().equals(env.from())).count();
        if (mine >= OrderParams.MAX_PENDING_PER_MEMBER) {
            refuse("too_many_pending", set.label(env.from()) + " has " + mine + " pending requests");
            return;
        }
        pending.put(id, env);
        refreshTimer();
        scheduleBatch();
    }

    public void onMessage(Envelope env) {
        if (halted || env.from().equals(self)) {
            return;
        }
        if (env.type() == MessageType.ORDER_REQUEST) {
            onRequest(env);
            return;
        }
        if (!set.isReplica(env.from())) {
            refuse("not_replica", env.type().wireName() + " from " + set.label(env.from()) + ", not a replica of epoch " + epoch);
            return;
        }
        if (epochOf(env.body()) != epoch) {
            refuse("wrong_epoch", env.type().wireName() + " of epoch " + epochOf(env.body()) + ", not " + epoch);
            return;
        }
        switch (env.type()) {
            case ORDER_PREPREPARE -> onPreprepare(env);
            case ORDER_PREPARE, ORDER_COMMIT -> onVote(env);
            case ORDER_CHECKPOINT -> onCheckpoint(env);
            case ORDER_VIEWCHANGE -> onViewChange(env);
            case ORDER_VIEWPROOF -> onViewProof(env);
            case ORDER_NEWVIEW -> onNewView(env);
            case ORDER_FETCH -> onFetch(env);
            case ORDER_COMMITTED -> onCommitted(env);
            default -> refuse("not_order", env.type().wireName() + " is not an ordering message");
        }
    }

    public void onTimer(TimerKey key) {
        if (halted) {
            return;
        }
        if (key instanceof ViewTimer t && t.equals(armedKey)) {
            armed = null;
            armedKey = null;
            startViewChange(view + 1);
        } else if (key instanceof BatchDue b && b.view() == view) {
            batchScheduled = false;
            propose();
        } else if (key instanceof Retransmit) {
            retransmit();
            scheduler.schedule(params.retransmitEvery(), new Retransmit(epoch));
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

    // ---------------------------------------------------------------- normal case

    private void onPreprepare(Envelope env) {
        OrderPreprepare pp = (OrderPreprepare) env.body();
        if (!env.from().equals(set.primary(pp.view()))) {
            refuse("not_primary", "pre-prepare of view " + pp.view() + " from " + set.label(env.from()));
            return;
        }
        if (!pp.batch().digest().equals(pp.digest())) {
            refuse("bad_digest", "pre-prepare at seq " + pp.seq() + " whose digest is not its batch's");
            return;
        }
        if (pp.view() < view || (pp.view() == view && changing)) {
            if (wantsBody(pp.digest())) {
                storeBody(env);
            } else {
                refuse("wrong_view", "pre-prepare of view " + pp.view() + " in view " + view + (changing ? " (changing)" : ""));
            }
            return;
        }
        if (pp.seq() <= h || pp.seq() > h + params.window()) {
            refuse("outside_window", "pre-prepare at seq " + pp.seq() + " outside (" + h + ", " + (h + params.window()) + "]");
            return;
        }
        if (pp.view() > view) {
            if (pp.view() <= view + SlotLog.VIEWS_AHEAD) {
                Slot early = log.open(pp.view(), pp.seq());
                if (early.preprepare == null) {
                    early.preprepare = env;
                }
            } else {
                refuse("wrong_view", "pre-prepare of view " + pp.view() + " in view " + view);
            }
            return;
        }
        acceptPreprepare(env);
    }

    /** The pre-prepare checks of the current view, in wave2's order; accepted → prepare. */
    private void acceptPreprepare(Envelope env) {
        OrderPreprepare pp = (OrderPreprepare) env.body();
        if (pp.seq() <= lastExecuted) {
            return;
        }
        Slot slot = log.open(view, pp.seq());
        if (slot.digest != null) {
            if (!slot.digest.equals(pp.digest())) {
                refuse("conflicting_preprepare", "primary " + set.label(env.from()) + " proposed two digests at view "
                        + view + " seq " + pp.seq());
                journal.evidence(slot.preprepare != null ? slot.preprepare : newView, env);
                startViewChange(view + 1);
            }
            return;
        }
        long previous = Math.max(lastExecutedTs, log.find(view, pp.seq() - 1).map(s -> s.batch == null ? 0 : s.batch.ts()).orElse(0L));
        long now = clock.millis();
        if (pp.ts() <= previous || Math.abs(pp.ts() - now) > params.clockSkew().toMillis()) {
            refuse("bad_ts", "pre-prepare at seq " + pp.seq() + " stamped " + pp.ts() + " (previous " + previous + ", now " + now + ")");
            return;
        }
        Set<String> ids = new HashSet<>();
        for (OrderItem item : pp.items()) {
            Optional<String> bad = RequestRules.check(set, item, pp.ts(), params);
            if (bad.isPresent()) {
                refuse("bad_request", "seq " + pp.seq() + ": " + bad.get());
                return;
            }
            String id = item.requestId();
            Long other = assigned.get(id);
            if (!ids.add(id) || executedIds.containsKey(id) || (other != null && other != pp.seq())) {
                refuse("duplicate_request", "request " + id + " at seq " + pp.seq() + " is executed or ordered already");
                return;
            }
        }
        slot.preprepare = env;
        slot.digest = pp.digest();
        slot.batch = pp.batch();
        bodies.put(pp.digest(), env);
        ids.forEach(id -> assigned.put(id, pp.seq()));
        signVote(MessageType.ORDER_PREPARE, slot);
        progress(slot);
    }

    private void onVote(Envelope env) {
        OrderVote v = (OrderVote) env.body();
        String kind = env.type() == MessageType.ORDER_PREPARE ? "prepare" : "commit";
        if (v.view() < view || v.view() > view + SlotLog.VIEWS_AHEAD) {
            refuse("wrong_view", kind + " of view " + v.view() + " in view " + view);
            return;
        }
        if (v.seq() <= h || v.seq() > h + params.window()) {
            refuse("outside_window", kind + " at seq " + v.seq() + " outside (" + h + ", " + (h + params.window()) + "]");
            return;
        }
        highestSeen = Math.max(highestSeen, v.seq());
        Slot slot = log.open(v.view(), v.seq());
        Optional<Envelope> earlier = Slot.record(env.type() == MessageType.ORDER_PREPARE ? slot.prepares : slot.commits, env);
        if (earlier.isPresent()) {
            refuse("equivocation", "two " + kind + "s from " + set.label(env.from()) + " at view " + v.view() + " seq " + v.seq());
            journal.evidence(earlier.get(), env);
            if (env.from().equals(set.primary(view)) && v.view() == view) {
                startViewChange(view + 1);
            }
            return;
        }
        if (slot.digest != null && !slot.digest.equals(v.digest())) {
            fetch(v.seq(), v.digest());
        }
        progress(slot);
    }

    private void progress(Slot slot) {
        if (slot.view != view || changing || !slot.prepared(set)) {
            return;
        }
        PreparedCert best = bestPrepared.get(slot.seq);
        if (best == null || best.view() < slot.view) {
            bestPrepared.put(slot.seq, new PreparedCert(slot.view, slot.digest, Slot.matching(slot.prepares, slot.digest)));
        }
        if (!slot.commitSent) {
            signVote(MessageType.ORDER_COMMIT, slot);
        }
        if (!slot.decided && slot.committed(set)) {
            slot.decided = true;
            decide(slot.seq, slot.view, slot.digest, slot.batch, Slot.matching(slot.commits, slot.digest));
        }
    }

    private void signVote(MessageType type, Slot slot) {
        String kind = type == MessageType.ORDER_PREPARE ? "prepare" : "commit";
        Envelope env = signer.signOnce("order/" + kind + "/" + epoch + "/" + slot.view + "/" + slot.seq, type,
                new OrderVote(epoch, slot.view, slot.seq, slot.digest), topics.orderVote(), false);
        if (type == MessageType.ORDER_COMMIT) {
            slot.commitSent = true;
            slot.commits.putIfAbsent(self, env);
        } else {
            slot.prepares.putIfAbsent(self, env);
        }
    }

    private void decide(long seq, long inView, String digest, OrderBatch batch, List<Envelope> commits) {
        if (seq <= lastExecuted) {
            return;
        }
        Decided earlier = decided.get(seq);
        if (earlier != null && !earlier.digest().equals(digest)) {
            throw new IllegalStateException("two digests committed at seq " + seq + ": " + earlier.digest() + " and " + digest);
        }
        if (earlier == null || (earlier.batch() == null && batch != null)) {
            decided.put(seq, new Decided(inView, digest, batch, commits));
        }
        if (batch == null) {
            fetch(seq, digest);
        }
        execute();
    }

    private void execute() {
        boolean progressed = false;
        Decided d;
        while (!halted && (d = decided.get(lastExecuted + 1)) != null && d.batch() != null) {
            decided.remove(lastExecuted + 1);
            long seq = lastExecuted + 1;
            List<OrderItem> fresh = new ArrayList<>();
            for (OrderItem item : d.batch().items()) {
                String id = item.requestId();
                if (executedIds.putIfAbsent(id, ((OrderRequest) item.request().body()).requestedAt()) == null) {
                    fresh.add(item);
                }
                pending.remove(id);
            }
            state.apply(seq, d.batch().ts(), fresh);
            lastExecuted = seq;
            lastExecutedTs = Math.max(lastExecutedTs, d.batch().ts());
            executed.put(seq, d);
            executed.headMap(seq - 2L * params.window(), true).clear();
            journal.executed(seq, d.view(), d.batch().items(), d.commits());
            progressed = true;
            if (d.view() == view && !changing) {
                consecutiveChanges = 0;
                if (self.equals(set.primary(view))) {
                    publishCommitted(seq);
                }
            }
            if (seq % params.checkpointEvery() == 0) {
                String digest = state.digest();
                ownDigests.put(seq, digest);
                Envelope cp = signer.signOnce("order/checkpoint/" + epoch + "/" + seq, MessageType.ORDER_CHECKPOINT,
                        new OrderCheckpoint(epoch, seq, digest), topics.orderVote(), false);
                checkpoints.add(cp);
                checkStable(seq);
            }
        }
        if (progressed) {
            cancelTimer();
            refreshTimer();
        }
    }

    private void publishCommitted(long seq) {
        Decided d = executed.get(seq);
        if (d == null) {
            return;
        }
        String slot = "order/committed/" + epoch + "/" + seq;
        boolean fresh = signer.signed(slot).isEmpty();
        Envelope env = signer.signOnce(slot, MessageType.ORDER_COMMITTED, new OrderCommitted(epoch, seq, d.view(),
                d.batch().ts(), d.batch().items(), d.commits()), topics.orderFinal(), false);
        if (!fresh) {
            outbox.publish(topics.orderFinal(), env, false);
        }
    }

    private void onCommitted(Envelope env) {
        OrderCommitted c = (OrderCommitted) env.body();
        if (c.seq() <= lastExecuted || decided.containsKey(c.seq()) && decided.get(c.seq()).batch() != null) {
            return;
        }
        if (c.seq() > lastExecuted + 2L * params.window()) {
            refuse("outside_window", "committed seq " + c.seq() + " far above the last executed " + lastExecuted);
            return;
        }
        Optional<String> bad = CommitProofValidator.commitProof(set, c, params);
        if (bad.isPresent()) {
            refuse("invalid_commit_proof", "seq " + c.seq() + ": " + bad.get());
            return;
        }
        decide(c.seq(), c.view(), c.batch().digest(), c.batch(), c.commits());
    }

    // ---------------------------------------------------------------- primary

    private void scheduleBatch() {
        if (!changing && !batchScheduled && self.equals(set.primary(view)) && !pending.isEmpty()) {
            batchScheduled = true;
            scheduler.schedule(params.batchDelay(), new BatchDue(epoch, view));
        }
    }

    private void propose() {
        if (changing || !self.equals(set.primary(view))) {
            return;
        }
        while (nextSeq <= h + params.window()) {
            long ts = Math.max(clock.millis(), Math.max(lastProposedTs, lastExecutedTs) + 1);
            List<OrderItem> items = new ArrayList<>();
            for (var it = pending.entrySet().iterator(); it.hasNext() && items.size() < params.maxBatch(); ) {
                var e = it.next();
                if (assigned.containsKey(e.getKey()) || executedIds.containsKey(e.getKey())) {
                    continue;
                }
                if (RequestRules.check(set, e.getValue(), ts, params).isPresent()) {
                    it.remove();
                    continue;
                }
                items.add(new OrderItem(e.getValue(), List.of()));
            }
            if (items.isEmpty()) {
                return;
            }
            OrderPreprepare pp = OrderPreprepare.of(view, new OrderBatch(epoch, nextSeq, ts, items));
            Envelope env = signer.signOnce("order/preprepare/" + epoch + "/" + view + "/" + nextSeq,
                    MessageType.ORDER_PREPREPARE, pp, topics.orderVote(), false);
            nextSeq++;
            lastProposedTs = ts;
            acceptPreprepare(env);
        }
    }

    // ---------------------------------------------------------------- checkpoints

    private void onCheckpoint(Envelope env) {
        OrderCheckpoint cp = (OrderCheckpoint) env.body();
        if (cp.seq() % params.checkpointEvery() != 0) {
            refuse("bad_checkpoint", "checkpoint at seq " + cp.seq() + ", not a multiple of " + params.checkpointEvery());
            return;
        }
        if (cp.seq() <= h) {
            return;
        }
        if (cp.seq() > h + 2L * params.window()) {
            refuse("outside_window", "checkpoint at seq " + cp.seq() + " far above h = " + h);
            return;
        }
        highestSeen = Math.max(highestSeen, cp.seq());
        Optional<Envelope> earlier = checkpoints.add(env);
        if (earlier.isPresent()) {
            refuse("equivocation", "two checkpoints from " + set.label(env.from()) + " at seq " + cp.seq());
            journal.evidence(earlier.get(), env);
            return;
        }
        checkStable(cp.seq());
    }

    private void checkStable(long seq) {
        Optional<List<Envelope>> cert = checkpoints.stableAt(seq);
        if (cert.isEmpty() || seq <= h || seq > lastExecuted) {
            return;
        }
        String digest = ((OrderCheckpoint) cert.get().get(0).body()).stateDigest();
        String own = ownDigests.get(seq);
        if (!digest.equals(own)) {
            halted = true;
            cancelTimer();
            journal.diverged(seq, own, digest);
            return;
        }
        moveLowWatermark(seq, digest, cert.get());
    }

    private void moveLowWatermark(long seq, String digest, List<Envelope> cert) {
        h = seq;
        hDigest = digest;
        hCertificate = cert;
        log.dropThrough(h);
        bestPrepared.headMap(h, true).clear();
        checkpoints.dropThrough(h);
        ownDigests.headMap(h, true).clear();
        bodies.values().removeIf(e -> ((OrderPreprepare) e.body()).seq() <= h);
        assigned.values().removeIf(s -> s <= h);
        long cutoff = lastExecutedTs - params.requestTtl().toMillis();
        executedIds.values().removeIf(at -> at < cutoff);
        journal.stable(seq, digest);
        propose();
    }

    private Optional<List<Envelope>> stableCertificate(long seq, String digest) {
        if (seq == 0) {
            return Optional.of(List.of());
        }
        if (seq == h && digest.equals(hDigest)) {
            return Optional.of(hCertificate);
        }
        return checkpoints.certificate(seq, digest);
    }

    // ---------------------------------------------------------------- view change

    private void startViewChange(long target) {
        if (target <= view) {
            return;
        }
        view = target;
        changing = true;
        consecutiveChanges++;
        batchScheduled = false;
        List<OrderViewChange.Prepared> claims = new ArrayList<>();
        List<OrderViewProof.Certificate> certs = new ArrayList<>();
        for (Map.Entry<Long, PreparedCert> e : bestPrepared.tailMap(h, false).entrySet()) {
            if (e.getKey() <= h + params.window()) {
                claims.add(new OrderViewChange.Prepared(e.getKey(), e.getValue().view(), e.getValue().digest()));
                certs.add(new OrderViewProof.Certificate(e.getKey(), e.getValue().prepares()));
            }
        }
        Envelope claim = signer.signOnce("order/viewchange/" + epoch + "/" + target, MessageType.ORDER_VIEWCHANGE,
                new OrderViewChange(epoch, target, new OrderViewChange.Stable(h, hDigest), claims), topics.orderView(), false);
        Envelope proof = signer.signOnce("order/viewproof/" + epoch + "/" + target, MessageType.ORDER_VIEWPROOF,
                new OrderViewProof(epoch, target, claim.contentId(), certs), topics.orderView(), false);
        viewChanges.addClaim(claim);
        viewChanges.addProof(proof);
        log.dropViewsBelow(target);
        journal.viewChangeStarted(target);
        cancelTimer();
        arm();
        sendNewView();
    }

    private void onViewChange(Envelope env) {
        OrderViewChange vc = (OrderViewChange) env.body();
        if (vc.view() < view || (vc.view() == view && !changing)) {
            if (!changing && newView != null && answers++ < FETCH_ANSWERS_PER_TICK) {
                outbox.publish(topics.orderView(), newView, false);
            }
            return;
        }
        if (vc.view() > view + ViewChanges.VIEWS_AHEAD) {
            refuse("wrong_view", "view change to " + vc.view() + " in view " + view);
            return;
        }
        Optional<Envelope> earlier = viewChanges.addClaim(env);
        if (earlier.isPresent()) {
            refuse("equivocation", "two view changes from " + set.label(env.from()) + " to view " + vc.view());
            journal.evidence(earlier.get(), env);
            return;
        }
        viewChanges.joinable(view).ifPresent(this::startViewChange);
        sendNewView();
    }

    private void onViewProof(Envelope env) {
        OrderViewProof p = (OrderViewProof) env.body();
        if (p.view() < view || p.view() > view + ViewChanges.VIEWS_AHEAD) {
            return;
        }
        viewChanges.addProof(env);
        sendNewView();
    }

    /** As the primary of the view being changed to: with q counted claims, sign the new view and enter it. */
    private void sendNewView() {
        if (!changing || !self.equals(set.primary(view))) {
            return;
        }
        List<Envelope> valid = viewChanges.validClaims(view, this::stableCertificate);
        if (valid.size() < set.q()) {
            return;
        }
        List<Envelope> counted = valid.subList(0, set.q());
        NewViewRules.Plan plan = NewViewRules.plan(counted.stream().map(e -> (OrderViewChange) e.body()).toList());
        List<OrderNewView.Chosen> chosen = new ArrayList<>();
        for (OrderViewChange.Prepared p : plan.chosen().values()) {
            chosen.add(viewChanges.certificateFor(counted, p).orElseThrow());
        }
        Optional<List<Envelope>> stable = plan.minS() == 0 ? Optional.empty()
                : Optional.of(stableCertificate(plan.minS(), plan.minDigest()).orElseThrow());
        Envelope env = signer.signOnce("order/newview/" + epoch + "/" + view, MessageType.ORDER_NEWVIEW,
                new OrderNewView(epoch, view, counted, stable, chosen, plan.nulls()), topics.orderView(), false);
        onNewView(env);
    }

    private void onNewView(Envelope env) {
        OrderNewView nv = (OrderNewView) env.body();
        if (nv.view() < view || (nv.view() == view && !changing)) {
            return;
        }
        if (nv.view() > view + ViewChanges.VIEWS_AHEAD) {
            refuse("wrong_view", "new view " + nv.view() + " in view " + view);
            return;
        }
        Optional<String> bad = NewViewRules.check(set, env);
        if (bad.isPresent()) {
            refuse("invalid_new_view", "new view " + nv.view() + " from " + set.label(env.from()) + ": " + bad.get());
            startViewChange(nv.view() + 1);
            return;
        }
        enterView(env);
    }

    private void enterView(Envelope env) {
        OrderNewView nv = (OrderNewView) env.body();
        view = nv.view();
        changing = false;
        newView = env;
        cancelTimer();
        viewChanges.dropThrough(view);
        log.dropViewsBelow(view);
        assigned.clear();
        journal.viewEntered(view);
        NewViewRules.Plan plan = NewViewRules.plan(nv.claims().stream().map(e -> (OrderViewChange) e.body()).toList());
        if (plan.minS() > h && nv.stable().isPresent()) {
            checkpoints.putCertificate(plan.minS(), nv.stable().get());
            if (plan.minS() <= lastExecuted) {
                checkStable(plan.minS());
            }
        }
        for (OrderNewView.Chosen c : nv.chosen()) {
            reopen(c.seq(), c.digest(), bodyOf(c.digest()));
        }
        for (long s : nv.nulls()) {
            OrderBatch nothing = OrderBatch.nullAt(epoch, s);
            reopen(s, nothing.digest(), nothing);
        }
        nextSeq = Math.max(Math.max(plan.maxS(), h), lastExecuted) + 1;
        for (Slot s : log.inView(view)) {
            if (s.digest == null && s.preprepare != null) {
                acceptPreprepare(s.preprepare);
            }
        }
        for (Slot s : log.inView(view)) {
            progress(s);
        }
        refreshTimer();
        scheduleBatch();
    }

    /** A seq the new view re-proposes (or nulls): every replica prepares it in the new view. */
    private void reopen(long seq, String digest, OrderBatch batch) {
        if (seq <= h || seq > h + params.window()) {
            return;
        }
        Slot slot = log.open(view, seq);
        slot.digest = digest;
        slot.batch = batch;
        if (batch == null) {
            fetch(seq, digest);
        } else {
            batch.items().forEach(i -> assigned.put(i.requestId(), seq));
        }
        signVote(MessageType.ORDER_PREPARE, slot);
    }

    // ---------------------------------------------------------------- bodies and fetch

    private OrderBatch bodyOf(String digest) {
        Envelope pp = bodies.get(digest);
        if (pp != null) {
            return ((OrderPreprepare) pp.body()).batch();
        }
        for (Decided d : executed.values()) {
            if (d.digest().equals(digest)) {
                return d.batch();
            }
        }
        return null;
    }

    private boolean wantsBody(String digest) {
        return decided.values().stream().anyMatch(d -> d.batch() == null && d.digest().equals(digest))
                || log.inView(view).stream().anyMatch(s -> s.batch == null && digest.equals(s.digest));
    }

    private void storeBody(Envelope env) {
        OrderPreprepare pp = (OrderPreprepare) env.body();
        bodies.putIfAbsent(pp.digest(), env);
        for (Slot s : log.inView(view)) {
            if (s.batch == null && pp.digest().equals(s.digest) && s.seq == pp.seq()) {
                s.batch = pp.batch();
                pp.items().forEach(i -> assigned.put(i.requestId(), s.seq));
            }
        }
        Decided d = decided.get(pp.seq());
        if (d != null && d.batch() == null && d.digest().equals(pp.digest())) {
            decided.put(pp.seq(), new Decided(d.view(), d.digest(), pp.batch(), d.commits()));
            execute();
        }
    }

    private void fetch(long seq, String digest) {
        String key = seq + "/" + digest;
        if (!asked.add(key)) {
            return;
        }
        String slot = "order/fetch/" + epoch + "/" + key;
        boolean fresh = signer.signed(slot).isEmpty();
        Envelope env = signer.signOnce(slot, MessageType.ORDER_FETCH, new OrderFetch(epoch, seq, digest), topics.orderView(), false);
        if (!fresh) {
            outbox.publish(topics.orderView(), env, false);
        }
    }

    private void onFetch(Envelope env) {
        OrderFetch f = (OrderFetch) env.body();
        if (answers >= FETCH_ANSWERS_PER_TICK) {
            return;
        }
        answers++;
        Envelope pp = bodies.get(f.digest());
        if (pp != null && ((OrderPreprepare) pp.body()).seq() == f.seq()) {
            outbox.publish(topics.orderVote(), pp, false);
        }
        if (f.seq() <= lastExecuted) {
            publishCommitted(f.seq());
        }
    }

    // ---------------------------------------------------------------- timers

    private void refreshTimer() {
        if (halted || changing) {
            return;
        }
        boolean needed = !pending.isEmpty() || log.inView(view).stream()
                .anyMatch(s -> s.seq > lastExecuted && !s.decided && s.prepared(set));
        if (needed && armed == null) {
            arm();
        } else if (!needed) {
            cancelTimer();
        }
    }

    private void arm() {
        Duration timeout = params.viewTimeoutAfter(consecutiveChanges);
        armedKey = new ViewTimer(epoch, view);
        armed = scheduler.schedule(timeout, armedKey);
    }

    private void cancelTimer() {
        if (armed != null) {
            armed.cancel();
        }
        armed = null;
        armedKey = null;
    }

    /** Re-publishes what this replica signed for unfinished work when nothing executed since the last tick. */
    private void retransmit() {
        asked.clear();
        answers = 0;
        long now = clock.millis();
        pending.values().removeIf(e -> now - ((OrderRequest) e.body()).requestedAt() > params.requestTtl().toMillis());
        boolean stuck = lastExecuted == progressMark;
        progressMark = lastExecuted;
        if (!stuck) {
            return;
        }
        if (changing) {
            republish("order/viewchange/" + epoch + "/" + view, topics.orderView());
            republish("order/viewproof/" + epoch + "/" + view, topics.orderView());
        } else {
            for (Slot s : log.inView(view)) {
                if (s.seq <= lastExecuted) {
                    continue;
                }
                if (self.equals(set.primary(view))) {
                    republish("order/preprepare/" + epoch + "/" + view + "/" + s.seq, topics.orderVote());
                }
                republish("order/prepare/" + epoch + "/" + view + "/" + s.seq, topics.orderVote());
                republish("order/commit/" + epoch + "/" + view + "/" + s.seq, topics.orderVote());
                if (s.digest == null && !s.prepares.isEmpty()) {
                    fetch(s.seq, ((OrderVote) s.prepares.values().iterator().next().body()).digest());
                }
            }
        }
        Decided next = decided.get(lastExecuted + 1);
        if (next != null && next.batch() == null) {
            fetch(lastExecuted + 1, next.digest());
        } else if (highestSeen > lastExecuted) {
            fetch(lastExecuted + 1, log.find(view, lastExecuted + 1).map(s -> s.digest).orElse("0".repeat(64)));
        }
        long lastCheckpoint = lastExecuted - lastExecuted % params.checkpointEvery();
        if (lastCheckpoint > h) {
            republish("order/checkpoint/" + epoch + "/" + lastCheckpoint, topics.orderVote());
        }
        if (h > 0) {
            republish("order/checkpoint/" + epoch + "/" + h, topics.orderVote());
        }
    }

    private void republish(String slot, String topic) {
        signer.signed(slot).ifPresent(e -> outbox.publish(topic, e, false));
    }

    private void refuse(String reason, String detail) {
        journal.refused(reason, detail);
    }
}
