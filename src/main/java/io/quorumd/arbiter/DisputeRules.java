package io.quorumd.arbiter;

import io.quorumd.crypto.NodeId;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.DisputeVote;
import java.util.Collection;
import java.util.Optional;

/**
 * The rules of DESIGN §7 that decide whether an open, a vote or a fallback activation counts, and whether a
 * dispute can still be resolved. Pure functions: the same answers on every node for the same inputs.
 * {@code live} is false during ledger replay, when only the signed facts are judged, not the clock, and
 * the per-member caps (which held when the message was stored) are not applied again.
 */
final class DisputeRules {
    private DisputeRules() {
    }

    /**
     * Why an open signed by {@code opener} cannot start a dispute, or empty: the parties must be roster
     * members and the opener one of them; a live open must be dated within the clock skew of now (no
     * backdating, no post-dating); one active dispute per subject; at most {@code maxOpenPerMember} active
     * disputes opened by one member.
     */
    static Optional<Refusal> openRefusal(NodeId opener, DisputeOpen open, ArbiterPolicy policy,
                                         Collection<Dispute> disputes, boolean live, long now) {
        if (policy.party(open.buyer()).isEmpty() || policy.party(open.seller()).isEmpty()) {
            return refuse("unknown_party", "buyer " + open.buyer() + " and seller " + open.seller()
                    + " must be roster members");
        }
        if (!policy.isParty(open, opener)) {
            return refuse("not_a_party", policy.label(opener) + " is neither buyer nor seller of " + open.subject());
        }
        if (live && open.openedAt() > now + policy.skewMs()) {
            return refuse("future_open", "open by " + policy.label(opener) + " is dated " + (open.openedAt() - now)
                    + " ms ahead");
        }
        if (live && open.openedAt() < now - policy.skewMs()) {
            return refuse("stale_open", "open by " + policy.label(opener) + " is dated " + (now - open.openedAt())
                    + " ms back");
        }
        long mine = 0;
        for (Dispute other : disputes) {
            if (!other.status().active()) {
                continue;
            }
            if (other.body().subject().equals(open.subject())) {
                return refuse("subject_in_dispute", "subject " + open.subject() + " is already in dispute " + other.id());
            }
            if (other.open().from().equals(opener)) {
                mine++;
            }
        }
        if (live && mine >= policy.maxOpenPerMember()) {
            return refuse("too_many_open", policy.label(opener) + " already has " + mine + " active disputes");
        }
        return Optional.empty();
    }

    /** Why this vote cannot count, or empty. */
    static Optional<Refusal> voteRefusal(Dispute d, NodeId voter, DisputeVote vote, ArbiterPolicy policy, boolean live,
                                         long now) {
        String who = policy.label(voter) + " on " + d.id();
        if (!d.status().active()) {
            return refuse("closed", who + ": dispute is " + d.status());
        }
        if (vote.votedAt() > d.deadline() || (live && now > d.deadline() + policy.skewMs())) {
            return refuse("past_deadline", who);
        }
        if (vote.votedAt() + policy.skewMs() < d.body().openedAt()) {
            return refuse("vote_before_open", who + ": vote is dated before the dispute was opened");
        }
        if (live && vote.votedAt() > now + policy.skewMs()) {
            return refuse("future_vote", who + ": vote is dated ahead");
        }
        if (policy.fallbacks().contains(voter)) {
            return d.fallback().isPresent() ? Optional.empty() : refuse("fallback_before_activation", who);
        }
        return policy.primaries().contains(voter) ? Optional.empty() : refuse("not_an_arbiter", who);
    }

    /**
     * Why a fallback activation signed by {@code by} cannot be accepted, or empty: only a party may
     * escalate, once, while the dispute is active, after the midpoint (less the skew allowance), while no
     * decision has M votes, and only where fallback arbiters exist.
     */
    static Optional<Refusal> fallbackRefusal(Dispute d, NodeId by, long activatedAt, ArbiterPolicy policy, boolean live,
                                             long now) {
        if (!policy.isParty(d.body(), by)) {
            return refuse("not_a_party", policy.label(by) + " may not activate fallback arbiters on " + d.id());
        }
        if (d.fallback().isPresent()) {
            return refuse("duplicate_activation", d.id());
        }
        if (!d.status().active()) {
            return refuse("closed", d.id() + " is " + d.status());
        }
        if (policy.fallbacks().isEmpty()) {
            return refuse("no_fallback_arbiters", d.id());
        }
        long midpoint = d.midpoint(policy.votingTimeoutMs());
        if (activatedAt + policy.skewMs() < midpoint || (live && now + policy.skewMs() < midpoint)) {
            return refuse("before_midpoint", d.id());
        }
        if (live && activatedAt > now + policy.skewMs()) {
            return refuse("future_activation", d.id());
        }
        if (Math.max(d.count(Decision.BUYER), d.count(Decision.SELLER)) >= policy.required()) {
            return refuse("enough_votes", d.id());
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

    private static Optional<Refusal> refuse(String code, String detail) {
        return Optional.of(new Refusal(code, detail));
    }
}
