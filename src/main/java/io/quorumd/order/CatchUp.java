package io.quorumd.order;

import io.quorumd.crypto.NodeId;
import io.quorumd.order.ReplicaContext.Decided;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderBatch;
import io.quorumd.wire.OrderFetch;
import io.quorumd.wire.OrderPreprepare;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How a replica that lacks something gets it: batch bodies (kept as their signed pre-prepares, so a body is
 * only ever one the primary signed for that digest), fetches for digests it holds no body for, answers to
 * others' fetches, and, on each retransmit tick with no execution since the last, the re-publication of what
 * it signed for unfinished work. Per tick: each (seq, digest) is asked at most once and answered at most once,
 * each peer gets at most {@link Replica#FETCH_ANSWERS_PER_TICK} answers (state: at most n peers and n times that
 * many answered keys, cleared every tick), the current new view goes out at most once however many peers
 * still change to it, and expired pending requests are dropped.
 */
final class CatchUp {
    private final ReplicaContext ctx;
    /** Names no batch: a fetch with it asks for whatever the holder executed at the seq. */
    static final String ANY_DIGEST = "0".repeat(64);
    /** A follower with nothing new asks for the next batch once per this many retransmit ticks. */
    static final int IDLE_PROBE_TICKS = 30;
    private final Set<String> asked = new HashSet<>();
    private final Map<NodeId, Integer> answers = new HashMap<>();
    private final Set<String> answered = new HashSet<>();
    private long progressMark = -1;
    private int idleTicks;
    private boolean newViewWanted;

    CatchUp(ReplicaContext ctx) {
        this.ctx = ctx;
        this.progressMark = ctx.lastExecuted;
    }

    /** The body of {@code digest} if this replica holds it, else null. */
    OrderBatch bodyOf(String digest) {
        Envelope pp = ctx.bodies.get(digest);
        if (pp != null) {
            return ((OrderPreprepare) pp.body()).batch();
        }
        for (Decided d : ctx.executed.values()) {
            if (d.digest().equals(digest)) {
                return d.batch();
            }
        }
        return null;
    }

    boolean wantsBody(String digest) {
        return ctx.decided.values().stream().anyMatch(d -> d.batch() == null && d.digest().equals(digest))
                || ctx.log.inView(ctx.view).stream().anyMatch(s -> s.batch == null && digest.equals(s.digest));
    }

    /** Keeps a body that arrived outside the normal case, fills the slots and decisions waiting for it. */
    void storeBody(Envelope env) {
        OrderPreprepare pp = (OrderPreprepare) env.body();
        ctx.bodies.putIfAbsent(pp.digest(), env);
        for (Slot s : ctx.log.inView(ctx.view)) {
            if (s.batch == null && pp.digest().equals(s.digest) && s.seq == pp.seq()) {
                s.batch = pp.batch();
                pp.items().forEach(i -> ctx.assigned.put(i.requestId(), s.seq));
            }
        }
        ctx.proposer.scheduleBatch();
        Decided d = ctx.decided.get(pp.seq());
        if (d != null && d.batch() == null && d.digest().equals(pp.digest())) {
            ctx.decided.put(pp.seq(), new Decided(d.view(), d.digest(), pp.batch(), d.commits()));
            ctx.normal.execute();
        }
    }

    /**
     * Asks for the batch at {@code seq}, naming {@code digest}: only ever a digest this replica has reason to
     * believe in (q commits or a commit proof, an accepted new view's choice, its own accepted pre-prepare, or
     * f + 1 matching votes, see {@link Slot#vouched}) or the all-zero "whatever you executed" digest. A fetch
     * needs no sign-once slot of its own; as the signer offers nothing else, it takes one per (epoch, seq,
     * digest): as only those digests are asked for, a peer can never make this replica sign fetches for digests
     * of its choosing, and at most n / (f + 1) + 1 slots exist per seq.
     */
    void fetch(long seq, String digest) {
        if (!asked.add(seq + "/" + digest)) {
            return;
        }
        String slot = "order/fetch/" + ctx.epoch + "/" + seq + "/" + digest;
        boolean fresh = ctx.signer.signed(slot).isEmpty();
        Envelope env = ctx.signer.signOnce(slot, MessageType.ORDER_FETCH, new OrderFetch(ctx.epoch, seq, digest),
                ctx.topics.orderView(), false);
        if (!fresh) {
            ctx.outbox.publish(ctx.topics.orderView(), env, false);
        }
    }

    /**
     * Answers a fetch with the primary-signed pre-prepare of (seq, digest) and, for an executed seq, its
     * {@code order.committed}: each (seq, digest) at most once per tick, at most
     * {@link Replica#FETCH_ANSWERS_PER_TICK} answers per asking peer per tick; anything else is a counted refusal.
     */
    void onFetch(Envelope env) {
        OrderFetch f = (OrderFetch) env.body();
        Envelope pp = ctx.bodies.get(f.digest());
        boolean body = pp != null && ((OrderPreprepare) pp.body()).seq() == f.seq();
        boolean committed = ctx.executed.containsKey(f.seq());
        String what = "fetch of seq " + f.seq() + " from " + ctx.set.label(env.from());
        if (!body && !committed) {
            ctx.refuse("unknown_batch", what + ": nothing to answer");
            return;
        }
        String key = f.seq() + "/" + f.digest();
        if (answered.contains(key)) {
            ctx.refuse("duplicate", what + ": answered this tick already");
            return;
        }
        int spent = answers.getOrDefault(env.from(), 0);
        if (spent >= Replica.FETCH_ANSWERS_PER_TICK) {
            ctx.refuse("budget_spent", what + ": its answers for this tick are spent");
            return;
        }
        answers.put(env.from(), spent + 1);
        answered.add(key);
        if (body) {
            ctx.outbox.publish(ctx.topics.orderVote(), pp, false);
        }
        if (committed) {
            ctx.normal.publishCommitted(f.seq());
        }
    }

    /** A peer still changing to a view this replica entered: its new view goes out again on the next tick. */
    void newViewWanted() {
        newViewWanted = true;
    }

    /** Re-publishes what this replica signed for unfinished work when nothing executed since the last tick. */
    void retransmit() {
        asked.clear();
        answers.clear();
        answered.clear();
        if (newViewWanted && !ctx.changing && ctx.newView != null) {
            ctx.outbox.publish(ctx.topics.orderView(), ctx.newView, false);
        }
        newViewWanted = false;
        if (ctx.dropExpiredRequests()) {
            ctx.viewChange.refreshTimer();
        }
        ctx.endorsements.dropArrivedBefore(ctx.clock.millis() - ctx.params.requestTtl().toMillis());
        boolean stuck = ctx.lastExecuted == progressMark;
        progressMark = ctx.lastExecuted;
        boolean probe = stuck && (ctx.passive ? ctx.highestSeen > ctx.lastExecuted || ctx.behind
                || ++idleTicks >= IDLE_PROBE_TICKS : ctx.behind);
        if (probe || !stuck) {
            ctx.behind = false;
        }
        if (probe) {
            // a follower (or a replica that saw a later epoch) asks for the next batch; a holder answers with
            // its order.committed, whose proof it checks
            idleTicks = 0;
            fetch(ctx.lastExecuted + 1, ANY_DIGEST);
        }
        if (stuck && ctx.decided.higherKey(ctx.lastExecuted + 1) != null) {
            // a seq above the next one is decided, yet the next did not come in a whole tick: the node may fetch
            // the batches in between by sync, which a fetch cannot get once the holders dropped them
            ctx.journal.behind();
        }
        if (stuck) {
            // this node's own requests and endorsements go out again while they wait: a replica that was not
            // connected when they were first published would never order them otherwise
            for (Envelope own : ctx.pending.values()) {
                if (own.from().equals(ctx.self)) {
                    ctx.outbox.publish(ctx.topics.orderPropose(), own, false);
                }
            }
            ctx.endorsements.signedBy(ctx.self).forEach(e -> ctx.outbox.publish(ctx.topics.orderPropose(), e, false));
        }
        if (ctx.passive) {
            return;
        }
        announceLate();
        if (ctx.closedAt > 0) {
            // a closed epoch re-publishes its last batch and checkpoint until the epoch certificate stands;
            // afterwards it only answers fetches
            if (ctx.h < ctx.closedAt) {
                republish("order/committed/" + ctx.epoch + "/" + ctx.closedAt, ctx.topics.orderFinal());
                republish("order/checkpoint/" + ctx.epoch + "/" + ctx.closedAt, ctx.topics.orderVote());
            }
            return;
        }
        if (!stuck) {
            return;
        }
        long epoch = ctx.epoch;
        long view = ctx.view;
        long lastExecuted = ctx.lastExecuted;
        if (ctx.changing) {
            republish("order/viewchange/" + epoch + "/" + view, ctx.topics.orderView());
            republish("order/viewproof/" + epoch + "/" + view, ctx.topics.orderView());
        } else {
            for (Slot s : ctx.log.inView(view)) {
                if (s.seq <= lastExecuted) {
                    continue;
                }
                if (ctx.self.equals(ctx.set.primary(view))) {
                    republish("order/preprepare/" + epoch + "/" + view + "/" + s.seq, ctx.topics.orderVote());
                }
                republish("order/prepare/" + epoch + "/" + view + "/" + s.seq, ctx.topics.orderVote());
                republish("order/commit/" + epoch + "/" + view + "/" + s.seq, ctx.topics.orderVote());
                if (s.digest == null) {
                    s.vouched(ctx.set).ifPresent(d -> fetch(s.seq, d));
                }
            }
        }
        Decided next = ctx.decided.get(lastExecuted + 1);
        if (next != null && next.batch() == null) {
            fetch(lastExecuted + 1, next.digest());
        } else if (ctx.highestSeen > lastExecuted) {
            fetch(lastExecuted + 1, ctx.log.find(view, lastExecuted + 1).map(s -> s.digest).orElse(ANY_DIGEST));
        }
        long lastCheckpoint = lastExecuted - lastExecuted % ctx.params.checkpointEvery();
        if (lastCheckpoint > ctx.h) {
            republish("order/checkpoint/" + epoch + "/" + lastCheckpoint, ctx.topics.orderVote());
        }
        if (ctx.h > ctx.base) {
            republish("order/checkpoint/" + epoch + "/" + ctx.h, ctx.topics.orderVote());
        }
    }

    /**
     * The rank-staggered grace of DESIGN §12: a batch whose {@code order.committed} nobody published (a primary that
     * fell silent after committing, a batch decided in an earlier view) is published by the replica of rank r after
     * the primary of the view, at its tick r + 1 after it executed it (at least r whole ticks later: its first tick
     * may come a moment after the execution, before the primary's announcement could arrive), unless a valid one
     * arrived meanwhile.
     */
    private void announceLate() {
        List<NodeId> replicas = ctx.set.replicas();
        int rank = Math.floorMod(replicas.indexOf(ctx.self) - replicas.indexOf(ctx.set.primary(ctx.view)), replicas.size());
        Iterator<Map.Entry<Long, Integer>> due = ctx.unannounced.entrySet().iterator();
        while (due.hasNext()) {
            Map.Entry<Long, Integer> e = due.next();
            int waited = e.getValue() + 1;
            if (waited > rank) {
                ctx.normal.publishCommitted(e.getKey());
                ctx.heardAnnounced.add(e.getKey());
                due.remove();
            } else {
                e.setValue(waited);
            }
        }
    }

    private void republish(String slot, String topic) {
        ctx.signer.signed(slot).ifPresent(e -> ctx.outbox.publish(topic, e, false));
    }
}
