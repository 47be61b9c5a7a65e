package io.quorumd.order;

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
 * valid certificates never produce), a null otherwise.
 */
public final class NewViewRules {
    private NewViewRules() {
    }

    /** The choice: stable point, and per seq above it either a claim to re-propose or a null. */
    public record Plan(long minS, String minDigest, long maxS, Map<Long, OrderViewChange.Prepared> chosen, List<Long> nulls) {
    }

    public static Plan plan(List<OrderViewChange> claims) {
        OrderViewChange.Stable best = new OrderViewChange.Stable(0, "");
        for (OrderViewChange c : claims) {
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
        long maxS = chosen.isEmpty() ? best.seq() : chosen.lastKey();
        List<Long> nulls = new ArrayList<>();
        for (long s = best.seq() + 1; s <= maxS; s++) {
            if (!chosen.containsKey(s)) {
                nulls.add(s);
            }
        }
        return new Plan(best.seq(), best.stateDigest(), maxS, chosen, nulls);
    }

    /**
     * Why {@code nv} is not a valid new view from its sender, if it is not: sender is the primary of the view;
     * at least q claims for this view from distinct replicas, each verifying; the stable certificate of
     * minS; chosen and nulls exactly as {@link #plan} computes, each chosen digest with its prepared certificate.
     */
    public static Optional<String> check(ReplicaSet set, Envelope envelope) {
        return check(set, envelope, 0, null);
    }

    /**
     * As {@link #check(ReplicaSet, Envelope)} for an epoch that starts after seq {@code base} with state
     * {@code baseDigest}: that point is stable without a certificate, and no claim may lie below it.
     */
    public static Optional<String> check(ReplicaSet set, Envelope envelope, long base, String baseDigest) {
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
            if (!io.quorumd.crypto.Ed25519.verify(set.member(c.from()).orElseThrow().publicKey(), c.signingBytes(), c.sig())) {
                return Optional.of("the claim of " + set.label(c.from()) + " does not verify");
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
        Plan plan = plan(claims);
        if (plan.minS() == base) {
            if (nv.stable().isPresent()) {
                return Optional.of("a stable certificate where no claim has a stable checkpoint");
            }
        } else {
            if (nv.stable().isEmpty()) {
                return Optional.of("no stable certificate for seq " + plan.minS());
            }
            Optional<String> bad = CommitProofValidator.stable(set, plan.minS(), plan.minDigest(), nv.stable().get());
            if (bad.isPresent()) {
                return Optional.of("stable certificate: " + bad.get());
            }
        }
        if (!nv.nulls().equals(plan.nulls())) {
            return Optional.of("nulls " + nv.nulls() + " where the claims give " + plan.nulls());
        }
        List<Long> chosenSeqs = nv.chosen().stream().map(OrderNewView.Chosen::seq).toList();
        if (!chosenSeqs.equals(new ArrayList<>(plan.chosen().keySet()))) {
            return Optional.of("re-proposes seqs " + chosenSeqs + " where the claims give " + plan.chosen().keySet());
        }
        for (OrderNewView.Chosen c : nv.chosen()) {
            OrderViewChange.Prepared p = plan.chosen().get(c.seq());
            if (!p.digest().equals(c.digest())) {
                return Optional.of("seq " + c.seq() + " re-proposes another digest than the highest-view claim");
            }
            Optional<String> bad = CommitProofValidator.prepared(set, p.view(), p.seq(), p.digest(), c.prepares());
            if (bad.isPresent()) {
                return Optional.of("certificate of seq " + c.seq() + ": " + bad.get());
            }
        }
        return Optional.empty();
    }
}
