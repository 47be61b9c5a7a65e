package io.quorumd.order;

import io.quorumd.crypto.Ed25519;
import io.quorumd.crypto.NodeId;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderNewView;
import io.quorumd.wire.OrderViewChange;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a new view must re-propose, computed the same way by the new primary and by every backup from the
 * q claims it carries: minS = the highest stable seq among them, maxS = the highest prepared seq above it;
 * for each s in (minS, maxS] the digest of the highest-view prepared claim (ties by smallest digest, which
 * valid certificates never produce), a null otherwise. A claim is in bounds ({@link #claimBounds}) when its
 * stable seq is the epoch's start or a multiple of K above it, and every prepared seq lies in (stable, stable + L]; the plan is only ever made
 * from claims in bounds, so it spans at most L seqs and no loop over it can overflow.
 */
public final class NewViewRules {
    private NewViewRules() {
    }

    /** The choice: stable point, and per seq above it either a claim to re-propose or a null. */
    public record Plan(long minS, String minDigest, long maxS, Map<Long, OrderViewChange.Prepared> chosen, List<Long> nulls) {
    }

    /** Why {@code claim} is out of bounds, if it is: a short, bounded text. */
    public static Optional<String> claimBounds(OrderViewChange claim, OrderParams params, long base) {
        long stable = claim.stable().seq();
        if (stable < base || (stable != base && stable % params.checkpointEvery() != 0)) {
            return Optional.of("stable seq outside the checkpoint grid of " + params.checkpointEvery());
        }
        for (OrderViewChange.Prepared p : claim.prepared()) {
            if (p.seq() <= stable || p.seq() - stable > params.window()) {
                return Optional.of("prepared seq outside (stable, stable + " + params.window() + "]");
            }
        }
        return Optional.empty();
    }

    /**
     * The plan of claims that are all in bounds ({@link #claimBounds}) of an epoch starting after {@code base};
     * others are a caller's bug.
     */
    public static Plan plan(List<OrderViewChange> claims, OrderParams params, long base) {
        OrderViewChange.Stable best = new OrderViewChange.Stable(base, "");
        for (OrderViewChange c : claims) {
            Optional<String> bad = claimBounds(c, params, base);
            if (bad.isPresent()) {
                throw new IllegalArgumentException("a claim out of bounds reached the plan: " + bad.get());
            }
            if (c.stable().seq() > best.seq()) {
                best = c.stable();
            }
        }
        TreeMap<Long, OrderViewChange.Prepared> chosen = new TreeMap<>();
        for (OrderViewChange c : claims) {
            for (OrderViewChange.Prepared p : c.prepared()) {
                if (p.seq() <= best.seq()) {
                    continue;
                }
                chosen.merge(p.seq(), p, (a, b) -> a.view() != b.view() ? (a.view() > b.view() ? a : b)
                        : (a.digest().compareTo(b.digest()) <= 0 ? a : b));
            }
        }
        long minS = best.seq();
        long maxS = chosen.isEmpty() ? minS : chosen.lastKey();
        List<Long> nulls = new ArrayList<>();
        for (long k = 1; k <= maxS - minS; k++) { // counts up to a span of at most L: cannot overflow
            if (!chosen.containsKey(minS + k)) {
                nulls.add(minS + k);
            }
        }
        return new Plan(minS, best.stateDigest(), maxS, chosen, nulls);
    }

    /**
     * Why {@code nv} is not a valid new view from its sender, if it is not: sender is the primary of the view;
     * at least q claims for this view from distinct replicas, each in bounds and verifying; the stable certificate
     * of minS; chosen and nulls exactly as {@link #plan} computes, each chosen digest with its prepared certificate.
     * Cheap checks come first, signatures last; every reason is a short text.
     */
    public static Optional<String> check(ReplicaSet set, OrderParams params, Envelope envelope) {
        return check(set, params, envelope, 0, null);
    }

    /**
     * As {@link #check(ReplicaSet, OrderParams, Envelope)} for an epoch that starts after seq {@code base} with
     * state {@code baseDigest}: that point is stable without a certificate, and no claim may lie below it.
     */
    public static Optional<String> check(ReplicaSet set, OrderParams params, Envelope envelope, long base,
                                         String baseDigest) {
        OrderNewView nv = (OrderNewView) envelope.body();
        if (!envelope.from().equals(set.primary(nv.view()))) {
            return Optional.of("new view " + nv.view() + " from " + set.label(envelope.from()) + ", not its primary");
        }
        Set<NodeId> claimants = new HashSet<>();
        List<OrderViewChange> claims = new ArrayList<>();
        for (Envelope c : nv.claims()) {
            if (c.type() != MessageType.ORDER_VIEWCHANGE || !set.isReplica(c.from()) || !claimants.add(c.from())) {
                return Optional.of("a claim that is not one view change per replica");
            }
            OrderViewChange vc = (OrderViewChange) c.body();
            if (vc.epoch() != set.epoch() || vc.view() != nv.view()) {
                return Optional.of("a claim for another epoch or view");
            }
            Optional<String> out = claimBounds(vc, params, base);
            if (out.isPresent()) {
                return Optional.of("the claim of " + set.label(c.from()) + ": " + out.get());
            }
            if (vc.stable().seq() < base || (vc.stable().seq() == base && base > 0
                    && !vc.stable().stateDigest().equals(baseDigest))) {
                return Optional.of("the claim of " + set.label(c.from()) + " is not stable at this epoch's start or later");
            }
            claims.add(vc);
        }
        if (claims.size() < set.q()) {
            return Optional.of(claims.size() + " claims, fewer than q = " + set.q());
        }
        for (Envelope c : nv.claims()) {
            if (!Ed25519.verify(set.member(c.from()).orElseThrow().publicKey(), c.signingBytes(), c.sig())) {
                return Optional.of("the claim of " + set.label(c.from()) + " does not verify");
            }
        }
        Plan plan = plan(claims, params, base);
        if (!nv.nulls().equals(plan.nulls())) {
            return Optional.of(nv.nulls().size() + " nulls where the claims give " + plan.nulls().size()
                    + " in (" + plan.minS() + ", " + plan.maxS() + "]");
        }
        List<Long> chosenSeqs = nv.chosen().stream().map(OrderNewView.Chosen::seq).toList();
        if (!chosenSeqs.equals(new ArrayList<>(plan.chosen().keySet()))) {
            return Optional.of("re-proposes " + chosenSeqs.size() + " seqs where the claims give " + plan.chosen().size()
                    + " in (" + plan.minS() + ", " + plan.maxS() + "]");
        }
        for (OrderNewView.Chosen c : nv.chosen()) {
            if (!plan.chosen().get(c.seq()).digest().equals(c.digest())) {
                return Optional.of("seq " + c.seq() + " re-proposes another digest than the highest-view claim");
            }
        }
        if (plan.minS() == base ? nv.stable().isPresent() : nv.stable().isEmpty()) {
            return Optional.of(plan.minS() == base ? "a stable certificate where no claim has a stable checkpoint"
                    : "no stable certificate for seq " + plan.minS());
        }
        if (plan.minS() > base) {
            Optional<String> bad = CommitProofValidator.stable(set, plan.minS(), plan.minDigest(), nv.stable().get());
            if (bad.isPresent()) {
                return Optional.of("stable certificate: " + bad.get());
            }
        }
        for (OrderNewView.Chosen c : nv.chosen()) {
            OrderViewChange.Prepared p = plan.chosen().get(c.seq());
            Optional<String> bad = CommitProofValidator.prepared(set, p.view(), p.seq(), p.digest(), c.prepares());
            if (bad.isPresent()) {
                return Optional.of("certificate of seq " + c.seq() + ": " + bad.get());
            }
        }
        return Optional.empty();
    }
}
