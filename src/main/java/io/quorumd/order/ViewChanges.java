package io.quorumd.order;

import io.quorumd.crypto.NodeId;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.OrderNewView;
import io.quorumd.wire.OrderViewChange;
import io.quorumd.wire.OrderViewProof;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * View-change claims and their proofs for views above the current one: at most one claim and one proof
 * per replica and view, views at most {@link #VIEWS_AHEAD} above the current (cap: n · VIEWS_AHEAD of
 * each, and of proof verdicts; everything below the view being changed to is dropped when a change starts or
 * the low watermark moves, everything at or below a view when it is entered). A claim counts only once its proof verified:
 * one q-prepare certificate per claimed seq, for exactly the claimed (view, digest), the primary of that
 * view among the signers — and its stable checkpoint is one this replica holds a certificate for.
 */
final class ViewChanges {
    static final int VIEWS_AHEAD = 16;
    private final ReplicaSet set;
    private final TreeMap<Long, Map<NodeId, Envelope>> claims = new TreeMap<>();
    private final TreeMap<Long, Map<NodeId, Envelope>> proofs = new TreeMap<>();
    private final TreeMap<Long, Map<String, Boolean>> verdicts = new TreeMap<>();

    ViewChanges(ReplicaSet set) {
        this.set = set;
    }

    /** Stores a claim; the sender's earlier, different claim for the same view if this one conflicts. */
    Optional<Envelope> addClaim(Envelope claim) {
        long view = ((OrderViewChange) claim.body()).view();
        Envelope earlier = claims.computeIfAbsent(view, v -> new HashMap<>()).putIfAbsent(claim.from(), claim);
        return earlier != null && !earlier.contentId().equals(claim.contentId()) ? Optional.of(earlier) : Optional.empty();
    }

    /** Stores a proof; false if the sender already has one for that view (the first stays). */
    boolean addProof(Envelope proof) {
        long view = ((OrderViewProof) proof.body()).view();
        return proofs.computeIfAbsent(view, v -> new HashMap<>()).putIfAbsent(proof.from(), proof) == null;
    }

    /** Whether exactly this claim is held already. */
    boolean holds(Envelope claim) {
        Envelope held = claims.getOrDefault(((OrderViewChange) claim.body()).view(), Map.of()).get(claim.from());
        return held != null && held.contentId().equals(claim.contentId());
    }

    /** The smallest view above {@code current} that f + 1 distinct replicas claim a higher view for, if any. */
    Optional<Long> joinable(long current) {
        Map<NodeId, Long> lowest = new HashMap<>();
        for (Map.Entry<Long, Map<NodeId, Envelope>> e : claims.tailMap(current, false).entrySet()) {
            e.getValue().keySet().forEach(id -> lowest.putIfAbsent(id, e.getKey()));
        }
        if (lowest.size() < set.f() + 1) {
            return Optional.empty();
        }
        return lowest.values().stream().min(Long::compare);
    }

    /**
     * The claims for {@code view} that count, sorted by sender; {@code stableCert} gives the certificate this
     * replica holds for a stable (seq, digest), if any.
     */
    List<Envelope> validClaims(long view, BiFunction<Long, String, Optional<List<Envelope>>> stableCert) {
        List<Envelope> out = new ArrayList<>();
        for (Envelope claim : claims.getOrDefault(view, Map.of()).values()) {
            Envelope proof = proofs.getOrDefault(view, Map.of()).get(claim.from());
            OrderViewChange vc = (OrderViewChange) claim.body();
            if (proof != null && proofHolds(claim, proof)
                    && stableCert.apply(vc.stable().seq(), vc.stable().stateDigest()).isPresent()) {
                out.add(claim);
            }
        }
        out.sort(Comparator.comparing(e -> e.from().hex()));
        return out;
    }

    private boolean proofHolds(Envelope claim, Envelope proof) {
        long view = ((OrderViewChange) claim.body()).view();
        return verdicts.computeIfAbsent(view, v -> new HashMap<>())
                .computeIfAbsent(claim.contentId() + proof.contentId(), k -> checkProof(claim, proof).isEmpty());
    }

    /** Why {@code proof} does not back {@code claim}, if it does not. */
    Optional<String> checkProof(Envelope claim, Envelope proof) {
        OrderViewChange vc = (OrderViewChange) claim.body();
        OrderViewProof p = (OrderViewProof) proof.body();
        if (!proof.from().equals(claim.from()) || !p.claimId().equals(claim.contentId()) || p.view() != vc.view()
                || p.epoch() != vc.epoch()) {
            return Optional.of("the proof is not for this claim");
        }
        if (p.certificates().size() != vc.prepared().size()) {
            return Optional.of("one certificate per prepared claim");
        }
        for (OrderViewChange.Prepared c : vc.prepared()) {
            Optional<OrderViewProof.Certificate> cert = p.certificates().stream().filter(x -> x.seq() == c.seq()).findFirst();
            if (cert.isEmpty()) {
                return Optional.of("no certificate for seq " + c.seq());
            }
            Optional<String> bad = CommitProofValidator.prepared(set, c.view(), c.seq(), c.digest(), cert.get().prepares());
            if (bad.isPresent()) {
                return bad;
            }
        }
        return Optional.empty();
    }

    /** The certificate the counted claims hold for a chosen seq (from the claim that named that (view, digest)). */
    Optional<OrderNewView.Chosen> certificateFor(List<Envelope> counted, OrderViewChange.Prepared chosen) {
        for (Envelope claim : counted) {
            OrderViewChange vc = (OrderViewChange) claim.body();
            if (vc.prepared().contains(chosen)) {
                Envelope proof = proofs.get(vc.view()).get(claim.from());
                for (OrderViewProof.Certificate c : ((OrderViewProof) proof.body()).certificates()) {
                    if (c.seq() == chosen.seq()) {
                        return Optional.of(new OrderNewView.Chosen(chosen.seq(), chosen.digest(), c.prepares()));
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** Forgets everything for views up to and including {@code view}. */
    void dropThrough(long view) {
        claims.headMap(view, true).clear();
        proofs.headMap(view, true).clear();
        verdicts.headMap(view, true).clear();
    }

    /** Forgets everything for views below {@code view}. */
    void dropBelow(long view) {
        dropThrough(view - 1);
    }

    int claimCount() {
        return claims.values().stream().mapToInt(Map::size).sum();
    }
}
