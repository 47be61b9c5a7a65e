package io.quorumd.order;

import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderBatch;
import io.quorumd.wire.OrderItem;
import io.quorumd.wire.OrderPreprepare;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The primary's side of the normal case: batchDelay after a request arrives, it cuts batches of unassigned
 * pending requests while seqs are free in (h, h + L]. Each batch's ts is after every batch it knows of in this
 * view — its own earlier ones, the batches a new view made it re-propose, the last executed — as backups refuse
 * a ts not after the previous batch's; while a re-proposed batch's body (hence its ts) is unknown it waits.
 * Pending requests that no longer meet {@link RequestRules} at the batch ts are dropped and counted; a
 * {@code pm.redeem} is left pending while the batch ts is not past its params' expiry ({@link RequestRules#notYet}).
 */
final class Proposer {
    private final ReplicaContext ctx;
    private long lastProposedTs;
    /** When a wake-up for a pending pm.redeem is scheduled (0: none). */
    private long wakeAt;

    Proposer(ReplicaContext ctx) {
        this.ctx = ctx;
    }

    void scheduleBatch() {
        if (!ctx.changing && !ctx.passive && ctx.closedAt == 0 && !ctx.batchScheduled && ctx.self.equals(ctx.set.primary(ctx.view)) && !ctx.pending.isEmpty()) {
            ctx.batchScheduled = true;
            ctx.scheduler.schedule(ctx.params.batchDelay(), new Replica.BatchDue(ctx.epoch, ctx.view));
        }
    }

    void onBatchDue(Replica.BatchDue due) {
        if (due.view() == ctx.view) {
            ctx.batchScheduled = false;
            propose();
        }
    }

    /**
     * As the primary, cuts batches of unassigned pending requests while seqs are free in the window; then, if a
     * {@code pm.redeem} stays pending because its params have not expired, wakes itself once they have.
     */
    void propose() {
        if (ctx.changing || ctx.passive || ctx.closedAt > 0 || !ctx.self.equals(ctx.set.primary(ctx.view))) {
            return;
        }
        cut();
        long expiry = ctx.pending.entrySet().stream().filter(e -> !ctx.assigned.containsKey(e.getKey()))
                .mapToLong(e -> ctx.redeemExpiry(e.getValue())).filter(x -> x >= ctx.clock.millis()).min()
                .orElse(Long.MIN_VALUE);
        if (expiry > Long.MIN_VALUE && (wakeAt <= ctx.clock.millis() || expiry + 1 < wakeAt)) {
            wakeAt = Math.max(expiry + 1, ctx.clock.millis() + ctx.params.batchDelay().toMillis());
            ctx.scheduler.schedule(Duration.ofMillis(wakeAt - ctx.clock.millis()), new Replica.BatchDue(ctx.epoch, ctx.view));
        }
    }

    private void cut() {
        while (ctx.nextSeq <= ctx.h + ctx.params.window() && !ctx.normal.rosterChangeBelow(ctx.nextSeq)) {
            Optional<Long> floor = tsFloor();
            if (floor.isEmpty()) {
                return;
            }
            long ts = Math.max(ctx.clock.millis(), floor.get() + 1);
            List<OrderItem> items = new ArrayList<>();
            int bytes = 0;
            boolean dropped = false;
            for (var it = ctx.pending.entrySet().iterator(); it.hasNext() && items.size() < ctx.params.maxBatch(); ) {
                var e = it.next();
                if (ctx.assigned.containsKey(e.getKey()) || ctx.executedIds.containsKey(e.getKey())) {
                    continue;
                }
                // pending requests were checked in full on arrival: only the batch ts can make one invalid now
                Optional<String> bad = RequestRules.check(ctx.set, e.getValue(), ts, ctx.params, true);
                if (bad.isPresent()) {
                    it.remove();
                    ctx.forget(e.getKey());
                    ctx.refuse("request_expired", "request " + e.getKey() + " dropped at batch time: " + bad.get());
                    dropped = true;
                    continue;
                }
                if (ts <= ctx.redeemExpiry(e.getValue())) { // not_yet
                    continue; // a pm.redeem stays pending until a batch ts passes its params' expiry
                }
                int needed = ctx.endorsementsNeeded(e.getValue());
                List<Envelope> endorsements = ctx.endorsements.counting(ctx.set, e.getValue(), needed);
                if (endorsements.size() < needed) {
                    continue; // waits for its endorsements (and arms no view timer meanwhile)
                }
                OrderItem item = new OrderItem(e.getValue(), endorsements);
                int size = RequestRules.itemBytes(item);
                if (bytes + size > RequestRules.MAX_BATCH_ITEM_BYTES) {
                    if (!items.isEmpty()) {
                        break; // the rest goes into the next batch
                    }
                    it.remove(); // alone it outweighs a batch: no batch can ever carry it
                    ctx.forget(e.getKey());
                    ctx.refuse("request_too_large", "request " + e.getKey() + " with its endorsements is " + size
                            + " bytes, more than a batch may carry");
                    dropped = true;
                    continue;
                }
                bytes += size;
                items.add(item);
                if (RequestRules.closesEpoch(e.getValue())) {
                    break; // a roster change is the last item of its batch, and the last batch of its epoch
                }
            }
            if (dropped) {
                ctx.viewChange.refreshTimer();
            }
            if (items.isEmpty()) {
                return;
            }
            OrderPreprepare pp = OrderPreprepare.of(ctx.view, new OrderBatch(ctx.epoch, ctx.nextSeq, ts, items));
            Envelope env = ctx.signer.signOnce("order/preprepare/" + ctx.epoch + "/" + ctx.view + "/" + ctx.nextSeq,
                    MessageType.ORDER_PREPREPARE, pp, ctx.topics.orderVote(), false);
            ctx.nextSeq++;
            lastProposedTs = ts;
            ctx.normal.acceptPreprepare(env);
        }
    }

    /**
     * The ts the next fresh batch must exceed: the latest of this primary's own batches, the last executed one and
     * every batch of this view's log above the last executed (the re-proposed ones of a new view among them); empty
     * while one of those is known by digest only.
     */
    private Optional<Long> tsFloor() {
        long floor = Math.max(lastProposedTs, ctx.lastExecutedTs);
        for (Slot s : ctx.log.inView(ctx.view)) {
            if (s.seq <= ctx.lastExecuted || s.digest == null) {
                continue;
            }
            if (s.batch == null) {
                return Optional.empty();
            }
            floor = Math.max(floor, s.batch.ts());
        }
        return Optional.of(floor);
    }
}
