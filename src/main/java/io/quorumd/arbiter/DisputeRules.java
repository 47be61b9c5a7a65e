package io.quorumd.arbiter;

import io.quorumd.crypto.NodeId;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.FallbackActivation;
import java.util.Collection;
import java.util.Optional;

/**
 * The rules of DESIGN §7 that decide whether an open, a vote or a fallback activation counts, and whether a
 * dispute can still be resolved. Pure functions: the same answers on every node for the same inputs.
 * {@code live} is false during ledger replay, when only the signed facts are judged, not the clock, and
 * the per-member caps (which held when the message was stored) are not applied again. Votes are judged on
 * signed facts alone, live or not.
 */
final class DisputeRules {
    private DisputeRules() {
    }

    /** How an open is judged: as it arrives live, as history from a peer's sync page, or at ledger replay. */
    enum Judging {
        LIVE, HISTORY, REPLAY
    }

    /**
     * Why an open signed by {@code opener} cannot start a dispute, or empty: the parties must be roster
     * members and the opener one of them; no open may be dated beyond the clock skew ahead of now. A live
     * open must also be dated within the skew of now (no backdating) and its opener hold fewer than
     * {@code maxOpenPerMember} active disputes. History (a sync page) may be older, but its voting period
     * (voting timeout + fallback extension, and the skew) must not be over — a member must not be able to
     * hand others backdated opens that expire at once, which no honest node can tell from real ones — and
     * its opener may hold fewer than twice maxOpenPerMember unresolved disputes whose voting period is not
     * over — a plain bound whatever order history arrives in, which no member honouring the live cap
     * reaches unless its disputes deadlock early. Replay judges nothing but the parties: the rest held when it was stored.
     * There is no "one dispute per subject" rule here: judged against the disputes a node happens to hold,
     * it would depend on arrival order (two opens for one subject would split the federation) and let any
     * member squat any subject. The opener's own node refuses a second open of its own on a subject
     * ({@link ArbiterDesk}).
     */
    static Optional<Refusal> openRefusal(NodeId opener, DisputeOpen open, ArbiterPolicy policy,
                                         Collection<Dispute> disputes, Judging how, long now) {
        if (!policy.partiesKnown(open)) {
            return refuse("unknown_party", "buyer " + open.buyer().shortHex() + " and seller " + open.seller().shortHex()
                    + " must be roster members");
        }
        if (!ArbiterPolicy.isParty(open, opener)) {
            return refuse("not_a_party", policy.label(opener) + " is neither buyer nor seller of " + open.subject());
        }
        if (how == Judging.REPLAY) {
            return Optional.empty();
        }
        if (open.openedAt() > now + policy.skewMs()) {
            return refuse("future_open", "open by " + policy.label(opener) + " is dated " + (open.openedAt() - now)
                    + " ms ahead");
        }
        if (how == Judging.HISTORY) {
            long window = policy.votingTimeoutMs() + policy.fallbackExtensionMs();
            if (open.openedAt() + window + policy.skewMs() < now) {
                return refuse("stale_open", "a synced open of " + policy.label(opener) + " whose voting period is over");
            }
            long current = disputes.stream().filter(d -> d.open().from().equals(opener) && d.ruling().isEmpty()
                    && d.status() != DisputeStatus.CONTESTED
                    && d.body().openedAt() + window + policy.skewMs() >= now).count();
            if (current >= 2L * policy.maxOpenPerMember()) {
                return refuse("too_many_open", policy.label(opener) + " has " + current
                        + " unresolved disputes whose voting period is not over");
            }
            return Optional.empty();
        }
        if (open.openedAt() < now - policy.skewMs()) {
            return refuse("stale_open", "open by " + policy.label(opener) + " is dated " + (now - open.openedAt())
                    + " ms back");
        }
        long mine = disputes.stream().filter(d -> d.status().active() && d.open().from().equals(opener)).count();
        if (mine >= policy.maxOpenPerMember()) {
            return refuse("too_many_open", policy.label(opener) + " already has " + mine + " active disputes");
        }
        return Optional.empty();
    }

    /**
     * Why this vote cannot count, or empty — judged on signed facts only, never on this node's clock or on
     * the dispute's status here, so every node holding the vote judges it alike: the voter is an arbiter
     * (a fallback arbiter once a party activated them), the vote is dated after the open (less the skew)
     * and no later than the deadline. A vote that counts is counted whatever the dispute's status: the
     * status is then recomputed from all the votes held ({@link DisputeInbox}).
     */
    static Optional<Refusal> voteRefusal(Dispute d, NodeId voter, DisputeVote vote, ArbiterPolicy policy) {
        String who = policy.label(voter) + " on " + d.id();
        if (!policy.primaries().contains(voter) && !policy.fallbacks().contains(voter)) {
            return refuse("not_an_arbiter", who);
        }
        if (vote.votedAt() + policy.skewMs() < d.body().openedAt()) {
            return refuse("vote_before_open", who + ": vote is dated before the dispute was opened");
        }
        if (policy.fallbacks().contains(voter)) {
            if (d.fallback().isEmpty()) {
                return refuse("fallback_before_activation", who);
            }
            long activatedAt = ((FallbackActivation) d.fallback().get().body()).activatedAt();
            if (vote.votedAt() + policy.skewMs() < activatedAt) {
                return refuse("fallback_before_activation", who + ": vote is dated before the activation");
            }
        }
        if (vote.votedAt() > d.deadline()) {
            return refuse("past_deadline", who + ": vote is dated after the deadline");
        }
        return Optional.empty();
    }

    /**
     * Why a fallback activation signed by {@code by} cannot be accepted, or empty — judged on signed facts
     * only, like a vote: only a party may escalate, where fallback arbiters exist, dated between the
     * midpoint (less the skew allowance) and the deadline, and only while no decision had M agreeing votes
     * signed before it (paywall: "fewer than M votes"). Accepted whatever the dispute's status here.
     */
    static Optional<Refusal> fallbackRefusal(Dispute d, NodeId by, long activatedAt, ArbiterPolicy policy) {
        if (!ArbiterPolicy.isParty(d.body(), by)) {
            return refuse("not_a_party", policy.label(by) + " may not activate fallback arbiters on " + d.id());
        }
        if (policy.fallbacks().isEmpty()) {
            return refuse("no_fallback_arbiters", d.id());
        }
        if (activatedAt + policy.skewMs() < d.midpoint(policy.votingTimeoutMs())) {
            return refuse("before_midpoint", d.id());
        }
        if (activatedAt > d.deadline() + policy.skewMs()) {
            return refuse("past_deadline", "fallback activation for " + d.id() + " is dated after its deadline");
        }
        for (Decision dec : Decision.values()) {
            if (d.countSignedBefore(dec, activatedAt) >= policy.required()) {
                return refuse("enough_votes", d.id() + ": " + dec.code() + " had M votes before the activation");
            }
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
