package io.quorumd.order;

import io.quorumd.wire.Envelope;
import io.quorumd.wire.OrderCheckpoint;
import io.quorumd.wire.OrderPreprepare;
import java.util.List;
import java.util.Optional;

/**
 * Moves the low watermark h: a checkpoint at a multiple of K in (h, h + 2L] is tallied in {@link Checkpoints};
 * once q agree at a seq this replica executed, h moves there and everything at or below it is dropped, unless
 * the stable digest is not this replica's own, which halts the replica for good, as do f + 1 votes for another
 * digest than its own (the replicas may be split so that no digest reaches q). h only grows, never past
 * lastExecuted, and the certificate of h is kept for view changes.
 */
final class CheckpointDriver {
    private final ReplicaContext ctx;

    CheckpointDriver(ReplicaContext ctx) {
        this.ctx = ctx;
    }

    void onCheckpoint(Envelope env) {
        OrderCheckpoint cp = (OrderCheckpoint) env.body();
        // every K seqs, and at the seq that closes the epoch (which a replica that lags has not executed yet)
        if (cp.seq() % ctx.params.checkpointEvery() != 0 && cp.seq() <= ctx.lastExecuted && cp.seq() != ctx.closedAt) {
            ctx.refuse("bad_checkpoint", "checkpoint at seq " + cp.seq() + ", not a multiple of " + ctx.params.checkpointEvery());
            return;
        }
        if (cp.seq() <= ctx.h) {
            ctx.refuse("outside_window", "checkpoint at seq " + cp.seq() + ", at or below h = " + ctx.h);
            return;
        }
        if (cp.seq() > ctx.h + 2L * ctx.params.window()) {
            ctx.refuse("outside_window", "checkpoint at seq " + cp.seq() + " far above h = " + ctx.h);
            ctx.journal.behind();
            return;
        }
        if (ctx.checkpoints.holds(env)) {
            ctx.refuse("duplicate", "checkpoint at seq " + cp.seq() + " from " + ctx.set.label(env.from()) + " held already");
            return;
        }
        ctx.highestSeen = Math.max(ctx.highestSeen, cp.seq());
        Optional<Envelope> earlier = ctx.checkpoints.add(env);
        if (earlier.isPresent()) {
            ctx.equivocation("equivocation", EvidenceLog.Kind.CHECKPOINT, -1, cp.seq(), earlier.get(), env,
                    "two checkpoints from " + ctx.set.label(env.from()) + " at seq " + cp.seq());
            return;
        }
        checkStable(cp.seq());
    }

    void checkStable(long seq) {
        Optional<List<Envelope>> cert = ctx.checkpoints.stableAt(seq);
        if (ctx.halted || seq <= ctx.h || seq > ctx.lastExecuted) {
            return;
        }
        String own = ctx.ownDigests.get(seq);
        if (own == null) { // signed before a restart: the ledger kept the checkpoint this replica signed
            own = ctx.signer.signed("order/checkpoint/" + ctx.epoch + "/" + seq)
                    .map(e -> ((OrderCheckpoint) e.body()).stateDigest()).orElse(null);
        }
        if (cert.isEmpty()) {
            // f + 1 replicas signed another state than this one: a correct replica disagrees (different pm times in
            // the config, say), and with the replicas split no digest may ever reach q; stop rather than wedge quietly
            Optional<String> other = own == null ? Optional.empty() : ctx.checkpoints.heldByMoreThanF(seq, own);
            if (other.isPresent()) {
                diverged(seq, own, other.get());
            }
            return;
        }
        String digest = ((OrderCheckpoint) cert.get().get(0).body()).stateDigest();
        if (!digest.equals(own)) {
            diverged(seq, own, digest);
            return;
        }
        moveLowWatermark(seq, digest, cert.get());
    }

    private void diverged(long seq, String own, String digest) {
        ctx.halted = true;
        ctx.viewChange.cancelTimer();
        ctx.journal.diverged(seq, own, digest);
    }

    private void moveLowWatermark(long seq, String digest, List<Envelope> cert) {
        long h = seq;
        ctx.h = h;
        ctx.hDigest = digest;
        ctx.hCertificate = cert;
        ctx.log.dropThrough(h);
        ctx.bestPrepared.headMap(h, true).clear();
        ctx.checkpoints.dropThrough(h);
        ctx.ownDigests.headMap(h, true).clear();
        ctx.evidence.prune(h, ctx.view);
        if (ctx.changing) {
            ctx.viewChanges.dropBelow(ctx.view);
        } else {
            ctx.viewChanges.dropThrough(ctx.view);
        }
        ctx.bodies.values().removeIf(e -> ((OrderPreprepare) e.body()).seq() <= h);
        ctx.assigned.values().removeIf(s -> s <= h);
        ctx.journal.stable(seq, digest, cert);
        ctx.proposer.propose();
    }

    /** The certificate this replica holds for the stable checkpoint (seq, digest); seq 0 needs none. */
    Optional<List<Envelope>> stableCertificate(long seq, String digest) {
        if (seq == ctx.base) {
            return digest.equals(ctx.baseDigest) ? Optional.of(List.of()) : Optional.empty();
        }
        if (seq == ctx.h && digest.equals(ctx.hDigest)) {
            return Optional.of(ctx.hCertificate);
        }
        return ctx.checkpoints.certificate(seq, digest);
    }
}
