package io.quorumd.order;

import io.quorumd.order.ReplicaContext.Decided;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderBatch;
import io.quorumd.wire.OrderFetch;
import io.quorumd.wire.OrderPreprepare;
import io.quorumd.wire.OrderVote;
import java.util.HashSet;
import java.util.Set;

/**
 * How a replica that lacks something gets it: batch bodies (kept as their signed pre-prepares, so a body is
 * only ever one the primary signed for that digest), fetches for digests it holds no body for, answers to
 * others' fetches, and, on each retransmit tick with no execution since the last, the re-publication of what
 * it signed for unfinished work. Per tick: each (seq, digest) is asked at most once and at most
 * {@link Replica#FETCH_ANSWERS_PER_TICK} answers go out; expired pending requests are dropped.
 */
final class CatchUp {
    private final ReplicaContext ctx;
    private final Set<String> asked = new HashSet<>();
    private long progressMark = -1;
    private int answers;

    CatchUp(ReplicaContext ctx) {
        this.ctx = ctx;
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
        Decided d = ctx.decided.get(pp.seq());
        if (d != null && d.batch() == null && d.digest().equals(pp.digest())) {
            ctx.decided.put(pp.seq(), new Decided(d.view(), d.digest(), pp.batch(), d.commits()));
            ctx.normal.execute();
        }
    }

    void fetch(long seq, String digest) {
        String key = seq + "/" + digest;
        if (!asked.add(key)) {
            return;
        }
        String slot = "order/fetch/" + ctx.epoch + "/" + key;
        boolean fresh = ctx.signer.signed(slot).isEmpty();
        Envelope env = ctx.signer.signOnce(slot, MessageType.ORDER_FETCH, new OrderFetch(ctx.epoch, seq, digest),
                ctx.topics.orderView(), false);
        if (!fresh) {
            ctx.outbox.publish(ctx.topics.orderView(), env, false);
        }
    }

    void onFetch(Envelope env) {
        OrderFetch f = (OrderFetch) env.body();
        if (!spendAnswer()) {
            return;
        }
        Envelope pp = ctx.bodies.get(f.digest());
        if (pp != null && ((OrderPreprepare) pp.body()).seq() == f.seq()) {
            ctx.outbox.publish(ctx.topics.orderVote(), pp, false);
        }
        if (f.seq() <= ctx.lastExecuted) {
            ctx.normal.publishCommitted(f.seq());
        }
    }

    /** Takes one answer from this tick's budget; false once it is spent. */
    boolean spendAnswer() {
        return answers++ < Replica.FETCH_ANSWERS_PER_TICK;
    }

    /** Re-publishes what this replica signed for unfinished work when nothing executed since the last tick. */
    void retransmit() {
        asked.clear();
        answers = 0;
        if (ctx.dropExpiredRequests()) {
            ctx.viewChange.refreshTimer();
        }
        boolean stuck = ctx.lastExecuted == progressMark;
        progressMark = ctx.lastExecuted;
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
                if (s.digest == null && !s.prepares.isEmpty()) {
                    fetch(s.seq, ((OrderVote) s.prepares.values().iterator().next().body()).digest());
                }
            }
        }
        Decided next = ctx.decided.get(lastExecuted + 1);
        if (next != null && next.batch() == null) {
            fetch(lastExecuted + 1, next.digest());
        } else if (ctx.highestSeen > lastExecuted) {
            fetch(lastExecuted + 1, ctx.log.find(view, lastExecuted + 1).map(s -> s.digest).orElse("0".repeat(64)));
        }
        long lastCheckpoint = lastExecuted - lastExecuted % ctx.params.checkpointEvery();
        if (lastCheckpoint > ctx.h) {
            republish("order/checkpoint/" + epoch + "/" + lastCheckpoint, ctx.topics.orderVote());
        }
        if (ctx.h > 0) {
            republish("order/checkpoint/" + epoch + "/" + ctx.h, ctx.topics.orderVote());
        }
    }

    private void republish(String slot, String topic) {
        ctx.signer.signed(slot).ifPresent(e -> ctx.outbox.publish(topic, e, false));
    }
}
