package io.quorumd.order;

import io.quorumd.loop.Scheduler;
import io.quorumd.order.ReplicaContext.PreparedCert;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderBatch;
import io.quorumd.wire.OrderNewView;
import io.quorumd.wire.OrderViewChange;
import io.quorumd.wire.OrderViewProof;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The view change and the view timer. The view only grows: a replica signs one claim and one proof per view
 * it changes to (its prepared certificates in (h, h + L]), joins the smallest view f + 1 replicas claim above
 * its own, and leaves the changing state only through a new view that {@link NewViewRules#check} accepts, whose
 * chosen and null seqs it prepares again. At most one view timer is armed, keyed by (epoch, view): in the
 * normal case while a request is pending or a prepared seq is uncommitted, while changing until a new view
 * arrives; its timeout doubles per consecutive change up to viewTimeoutMax. The normal-case timer waits for the
 * oldest ready request pending when it was armed (PBFT's "waiting to execute the request"): executing other
 * requests does not restart it, so a primary that keeps ordering everything else while leaving one request out
 * still times out.
 */
final class ViewChangeDriver {
    private final ReplicaContext ctx;
    private Replica.ViewTimer armedKey;
    private Scheduler.Cancellable armed;
    private String armedFor; // the request the normal-case timer waits for; null when it waits for a prepared seq

    ViewChangeDriver(ReplicaContext ctx) {
        this.ctx = ctx;
    }

    /** The armed timer ran out: in the normal case only if work is still outstanding once expired requests went. */
    void onViewTimer(Replica.ViewTimer timer) {
        if (!timer.equals(armedKey)) {
            return;
        }
        armed = null;
        armedKey = null;
        if (!ctx.changing) {
            ctx.dropExpiredRequests();
            if (!workOutstanding()) {
                return;
            }
        }
        startViewChange(ctx.view + 1);
    }

    /**
     * After a restart: back to the highest view this replica signed anything in; if that was a view change it
     * had not seen through, it is changing to that view again (its signed claim and proof count as before).
     */
    void resume(long view, boolean changing) {
        if (view <= ctx.view) {
            return;
        }
        ctx.view = view;
        if (changing) {
            ctx.changing = true;
            ctx.consecutiveChanges = 1;
            ctx.signer.signed("order/viewchange/" + ctx.epoch + "/" + view).ifPresent(ctx.viewChanges::addClaim);
            ctx.signer.signed("order/viewproof/" + ctx.epoch + "/" + view).ifPresent(ctx.viewChanges::addProof);
            cancelTimer();
            arm();
        }
    }

    void startViewChange(long target) {
        if (target <= ctx.view || ctx.passive || ctx.closedAt > 0) {
            return;
        }
        ctx.view = target;
        ctx.changing = true;
        ctx.consecutiveChanges++;
        ctx.batchScheduled = false;
        List<OrderViewChange.Prepared> claims = new ArrayList<>();
        List<OrderViewProof.Certificate> certs = new ArrayList<>();
        for (Map.Entry<Long, PreparedCert> e : ctx.bestPrepared.tailMap(ctx.h, false).entrySet()) {
            if (e.getKey() <= ctx.h + ctx.params.window()) {
                claims.add(new OrderViewChange.Prepared(e.getKey(), e.getValue().view(), e.getValue().digest()));
                certs.add(new OrderViewProof.Certificate(e.getKey(), e.getValue().prepares()));
            }
        }
        Envelope claim = ctx.signer.signOnce("order/viewchange/" + ctx.epoch + "/" + target, MessageType.ORDER_VIEWCHANGE,
                new OrderViewChange(ctx.epoch, target, new OrderViewChange.Stable(ctx.h, ctx.hDigest), claims),
                ctx.topics.orderView(), false);
        Envelope proof = ctx.signer.signOnce("order/viewproof/" + ctx.epoch + "/" + target, MessageType.ORDER_VIEWPROOF,
                new OrderViewProof(ctx.epoch, target, claim.contentId(), certs), ctx.topics.orderView(), false);
        ctx.viewChanges.addClaim(claim);
        ctx.viewChanges.addProof(proof);
        ctx.log.dropViewsBelow(target);
        ctx.viewChanges.dropBelow(target);
        ctx.evidence.prune(ctx.h, ctx.view);
        ctx.journal.viewChangeStarted(target);
        cancelTimer();
        arm();
        sendNewView();
    }

    void onViewChange(Envelope env) {
        OrderViewChange vc = (OrderViewChange) env.body();
        if (vc.view() < ctx.view || (vc.view() == ctx.view && !ctx.changing)) {
            ctx.refuse("stale_view", "view change to " + vc.view() + " from " + ctx.set.label(env.from()) + " in view "
                    + ctx.view);
            if (!ctx.changing) {
                ctx.catchUp.newViewWanted();
            }
            return;
        }
        if (vc.view() > ctx.view + ViewChanges.VIEWS_AHEAD) {
            ctx.refuse("wrong_view", "view change to " + vc.view() + " in view " + ctx.view);
            return;
        }
        Optional<String> out = NewViewRules.claimBounds(vc, ctx.params, ctx.base);
        if (out.isPresent()) {
            ctx.refuse("outside_window", "view change of " + ctx.set.label(env.from()) + ": " + out.get());
            return;
        }
        if (ctx.viewChanges.holds(env)) {
            ctx.refuse("duplicate", "view change to " + vc.view() + " from " + ctx.set.label(env.from()) + " held already");
            return;
        }
        Optional<Envelope> earlier = ctx.viewChanges.addClaim(env);
        if (earlier.isPresent()) {
            ctx.equivocation("equivocation", EvidenceLog.Kind.VIEWCHANGE, vc.view(), 0, earlier.get(), env,
                    "two view changes from " + ctx.set.label(env.from()) + " to view " + vc.view());
            return;
        }
        ctx.viewChanges.joinable(ctx.view).ifPresent(this::startViewChange);
        sendNewView();
    }

    void onViewProof(Envelope env) {
        OrderViewProof p = (OrderViewProof) env.body();
        String what = "view proof for " + p.view() + " from " + ctx.set.label(env.from());
        if (p.view() < ctx.view || (p.view() == ctx.view && !ctx.changing)) {
            ctx.refuse("stale_view", what + " in view " + ctx.view);
            return;
        }
        if (p.view() > ctx.view + ViewChanges.VIEWS_AHEAD) {
            ctx.refuse("wrong_view", what + " in view " + ctx.view);
            return;
        }
        if (!ctx.viewChanges.addProof(env)) {
            ctx.refuse("duplicate", what + ": one proof per replica and view");
            return;
        }
        sendNewView();
    }

    /** As the primary of the view being changed to: with q counted claims, sign the new view and enter it. */
    private void sendNewView() {
        if (!ctx.changing || !ctx.self.equals(ctx.set.primary(ctx.view))) {
            return;
        }
        List<Envelope> valid = ctx.viewChanges.validClaims(ctx.view, ctx.checkpointing::stableCertificate);
        if (valid.size() < ctx.set.q()) {
            return;
        }
        List<Envelope> counted = valid.subList(0, ctx.set.q());
        NewViewRules.Plan plan = NewViewRules.plan(counted.stream().map(e -> (OrderViewChange) e.body()).toList(),
                ctx.params, ctx.base);
        List<OrderNewView.Chosen> chosen = new ArrayList<>();
        for (OrderViewChange.Prepared p : plan.chosen().values()) {
            chosen.add(ctx.viewChanges.certificateFor(counted, p).orElseThrow());
        }
        Optional<List<Envelope>> stable = plan.minS() == ctx.base ? Optional.empty()
                : Optional.of(ctx.checkpointing.stableCertificate(plan.minS(), plan.minDigest()).orElseThrow());
        Envelope env = ctx.signer.signOnce("order/newview/" + ctx.epoch + "/" + ctx.view, MessageType.ORDER_NEWVIEW,
                new OrderNewView(ctx.epoch, ctx.view, counted, stable, chosen, plan.nulls()), ctx.topics.orderView(), false);
        onNewView(env);
    }

    /**
     * A new view: only from primary(view); a stale or far-ahead one is refused; one that fails
     * {@link NewViewRules#check} is refused, and only when it is for the view this replica is changing to does it
     * move on to the next view (v + 2 from where the change started). Nothing else here changes the view.
     */
    void onNewView(Envelope env) {
        OrderNewView nv = (OrderNewView) env.body();
        String what = "new view " + nv.view() + " from " + ctx.set.label(env.from());
        if (!env.from().equals(ctx.set.primary(nv.view()))) {
            ctx.refuse("not_primary", what + ", not its primary");
            return;
        }
        if (nv.view() < ctx.view || (nv.view() == ctx.view && !ctx.changing)) {
            ctx.refuse("stale_view", what + " in view " + ctx.view);
            return;
        }
        if (nv.view() > ctx.view + ViewChanges.VIEWS_AHEAD) {
            ctx.refuse("wrong_view", what + " in view " + ctx.view);
            return;
        }
        Optional<String> bad = NewViewRules.check(ctx.set, ctx.params, env, ctx.base, ctx.baseDigest);
        if (bad.isPresent()) {
            ctx.refuse("invalid_new_view", what + ": " + bad.get());
            if (ctx.changing && nv.view() == ctx.view) {
                startViewChange(ctx.view + 1);
            }
            return;
        }
        enterView(env);
    }

    private void enterView(Envelope env) {
        OrderNewView nv = (OrderNewView) env.body();
        ctx.view = nv.view();
        ctx.changing = false;
        ctx.newView = env;
        cancelTimer();
        ctx.viewChanges.dropThrough(ctx.view);
        ctx.log.dropViewsBelow(ctx.view);
        ctx.evidence.prune(ctx.h, ctx.view);
        ctx.assigned.clear();
        ctx.journal.viewEntered(ctx.view);
        NewViewRules.Plan plan = NewViewRules.plan(nv.claims().stream().map(e -> (OrderViewChange) e.body()).toList(),
                ctx.params, ctx.base);
        if (plan.minS() > ctx.h && nv.stable().isPresent()) {
            ctx.checkpoints.putCertificate(plan.minS(), nv.stable().get());
            if (plan.minS() <= ctx.lastExecuted) {
                ctx.checkpointing.checkStable(plan.minS());
            }
        }
        for (OrderNewView.Chosen c : nv.chosen()) {
            reopen(c.seq(), c.digest(), ctx.catchUp.bodyOf(c.digest()));
        }
        for (long s : nv.nulls()) {
            OrderBatch nothing = OrderBatch.nullAt(ctx.epoch, s);
            reopen(s, nothing.digest(), nothing);
        }
        ctx.nextSeq = Math.max(Math.max(plan.maxS(), ctx.h), ctx.lastExecuted) + 1;
        for (Slot s : ctx.log.inView(ctx.view)) {
            if (s.digest == null && s.preprepare != null) {
                ctx.normal.acceptPreprepare(s.preprepare);
            }
        }
        for (Slot s : ctx.log.inView(ctx.view)) {
            ctx.normal.progress(s);
        }
        refreshTimer();
        ctx.proposer.scheduleBatch();
    }

    /** A seq the new view re-proposes (or nulls): every replica prepares it in the new view. */
    private void reopen(long seq, String digest, OrderBatch batch) {
        if (seq <= ctx.h || seq > ctx.h + ctx.params.window()) {
            return;
        }
        Slot slot = ctx.log.open(ctx.view, seq);
        slot.digest = digest;
        slot.batch = batch;
        if (batch == null) {
            ctx.catchUp.fetch(seq, digest);
        } else {
            batch.items().forEach(i -> ctx.assigned.put(i.requestId(), seq));
        }
        ctx.normal.signVote(MessageType.ORDER_PREPARE, slot);
    }

    // ---------------------------------------------------------------- timer

    /** Arms the view timer when work is outstanding in the normal case, cancels it when none is. */
    void refreshTimer() {
        if (ctx.halted || ctx.changing || ctx.passive || ctx.closedAt > 0) {
            return;
        }
        boolean needed = workOutstanding();
        if (needed && armed == null) {
            arm();
        } else if (!needed) {
            cancelTimer();
        }
    }

    /** A request is pending or a prepared seq of this view is uncommitted. */
    private boolean workOutstanding() {
        return ctx.anyReady() || ctx.log.inView(ctx.view).stream()
                .anyMatch(s -> s.seq > ctx.lastExecuted && !s.decided && s.prepared(ctx.set));
    }

    /**
     * A batch executed: the timer starts over for what is still outstanding, unless the request it waits for is
     * still pending and ready (the batches left it out).
     */
    void progressed() {
        Envelope awaited = armedFor == null ? null : ctx.pending.get(armedFor);
        if (armed != null && awaited != null && ctx.ready(awaited)) {
            return;
        }
        cancelTimer();
        refreshTimer();
    }

    private void arm() {
        armedFor = ctx.changing ? null : ctx.pending.values().stream().filter(ctx::ready).findFirst()
                .map(Envelope::contentId).orElse(null);
        Duration timeout = ctx.params.viewTimeoutAfter(ctx.consecutiveChanges);
        armedKey = new Replica.ViewTimer(ctx.epoch, ctx.view);
        armed = ctx.scheduler.schedule(timeout, armedKey);
    }

    boolean timerArmed() {
        return armed != null;
    }

    void cancelTimer() {
        if (armed != null) {
            armed.cancel();
        }
        armed = null;
        armedKey = null;
        armedFor = null;
    }
}
