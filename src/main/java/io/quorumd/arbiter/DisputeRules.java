package io.quorumd.arbiter;

import io.quorumd.crypto.NodeId;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Roster;
import java.util.Collection;
import java.util.Optional;

/**
 * The rules of DESIGN §7 that decide whether a vote or a fallback activation counts, and whether a
 * dispute can still be resolved. Pure functions: the same answers on every node for the same inputs.
 * {@code live} is false during ledger replay, when only the signed times are judged, not the clock.
 */
final class DisputeRules {
    private DisputeRules() {
    }

    /** Why an open cannot start a dispute, or empty: unknown parties, a future date, a subject already in dispute. */
    static Optional<String> openRefusal(DisputeOpen open, Roster roster, Collection<Dispute> disputes,
                                        ArbiterPolicy policy, boolean live, long now) {
        if (roster.byName(open.buyer()).isEmpty() || roster.byName(open.seller()).isEmpty()) {
            return Optional.of("buyer and seller must be roster members");
        }
        if (live && open.openedAt() > now + policy.skewMs()) {
            return Optional.of("opened in the future");
        }
        for (Dispute other : disputes) {
            if (other.status().active() && other.body().subject().equals(open.subject())) {
                return Optional.of("subject " + open.subject() + " is already in dispute " + other.id());
            }
        }
        return Optional.empty();
    }

    /** Why this vote cannot count (a reason code), or empty. */
    static Optional<String> voteRefusal(Dispute d, NodeId voter, DisputeVote vote, ArbiterPolicy policy, boolean live,
                                        long now) {
        if (!d.status().active()) {
            return Optional.of("closed");
        }
        if (vote.votedAt() > d.deadline() || (live && now > d.deadline() + policy.skewMs())) {
            return Optional.of("past_deadline");
        }
        if (policy.fallbacks().contains(voter)) {
            return d.fallback().isPresent() ? Optional.empty() : Optional.of("fallback_before_activation");
        }
        return policy.primaries().contains(voter) ? Optional.empty() : Optional.of("not_an_arbiter");
    }

    /**
     * Why a fallback activation cannot be accepted, or empty: it must come after the midpoint (less the skew
     * allowance) while no decision has M votes.
     */
    static Optional<String> fallbackRefusal(Dispute d, long activatedAt, ArbiterPolicy policy, boolean live, long now) {
        if (d.fallback().isPresent()) {
            return Optional.of("duplicate_activation");
        }
        if (!d.status().active()) {
            return Optional.of("closed");
        }
        if (policy.fallbacks().isEmpty()) {
            return Optional.of("no_fallback_arbiters");
        }
        long midpoint = d.midpoint(policy.votingTimeoutMs());
        if (activatedAt + policy.skewMs() < midpoint || (live && now + policy.skewMs() < midpoint)) {
            return Optional.of("before_midpoint");
        }
        if (Math.max(d.count(Decision.BUYER), d.count(Decision.SELLER)) >= policy.required()) {
            return Optional.of("enough_votes");
        }
        return Optional.empty();
    }

    /**
     * Whether some decision can still gather M votes from the arbiters who have not voted (fallback arbiters
     * included: while a dispute is active their activation is still possible).
     */
    static boolean canStillReach(Dispute d, ArbiterPolicy policy) {
        long open = policy.primaries().stream().filter(p -> !d.votes().containsKey(p)).count()
                + policy.fallbacks().stream().filter(f -> !d.votes().containsKey(f)).count();
        for (Decision dec : Decision.values()) {
            if (d.count(dec) + open >= policy.required()) {
                return true;
            }
        }
        return false;
    }
}
