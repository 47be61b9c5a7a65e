package io.quorumd.arbiter;

import io.quorumd.crypto.NodeId;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.DisputeRuling;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.FallbackActivation;
import io.quorumd.wire.InboundVerifier;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The one validity rule for a ruling, used on live input, sync and {@code ledger verify --full} (start-up
 * verification included), each time with the policy in force for that input: the open is signed by the
 * buyer's or the seller's node; a carried fallback activation is signed by a party, names the dispute and
 * is dated after the midpoint (less the skew allowance) and before the deadline; at least M votes, each an {@code arbiter.vote} on
 * this dispute with the ruling's decision, signed by a distinct primary arbiter — or by a fallback arbiter
 * when the activation is carried, and then dated after it — dated after the open (less the skew) and no
 * later than the deadline (extended if activated).
 */
public final class RulingValidator {
    private RulingValidator() {
    }

    public static Optional<String> validate(DisputeRuling r, ArbiterPolicy policy) {
        InboundVerifier verifier = new InboundVerifier(policy.roster());
        if (verifier.verify(r.open()) instanceof InboundVerifier.Verdict.Rejected rej) {
            return Optional.of("open: " + rej.reason().code());
        }
        DisputeOpen open = (DisputeOpen) r.open().body();
        if (!ArbiterPolicy.isParty(open, r.open().from())) {
            return Optional.of("the open is signed by " + policy.label(r.open().from()) + ", not by a party");
        }
        String id = open.disputeId();
        long deadline = open.openedAt() + policy.votingTimeoutMs();
        boolean fallbackActive = false;
        long activatedAt = Long.MAX_VALUE;
        if (r.fallback().isPresent()) {
            Envelope fb = r.fallback().get();
            if (!(fb.body() instanceof FallbackActivation a) || !a.disputeId().equals(id)) {
                return Optional.of("the carried fallback activation is for another dispute");
            }
            if (verifier.verify(fb) instanceof InboundVerifier.Verdict.Rejected rej) {
                return Optional.of("fallback activation: " + rej.reason().code());
            }
            if (!ArbiterPolicy.isParty(open, fb.from())) {
                return Optional.of("the fallback activation is signed by " + policy.label(fb.from()) + ", not by a party");
            }
            if (a.activatedAt() + policy.skewMs() < open.openedAt() + policy.votingTimeoutMs() / 2) {
                return Optional.of("fallback activated before the midpoint");
            }
            if (a.activatedAt() > deadline + policy.skewMs()) {
                return Optional.of("fallback activated after the deadline");
            }
            fallbackActive = true;
            activatedAt = a.activatedAt();
            deadline += policy.fallbackExtensionMs();
        }
        Set<NodeId> voters = new HashSet<>();
        for (Envelope v : r.votes()) {
            if (!(v.body() instanceof DisputeVote vote) || !vote.disputeId().equals(id)) {
                return Optional.of("a vote is not for this dispute");
            }
            if (verifier.verify(v) instanceof InboundVerifier.Verdict.Rejected rej) {
                return Optional.of("vote from " + v.from().shortHex() + ": " + rej.reason().code());
            }
            String who = policy.label(v.from());
            boolean allowed = policy.primaries().contains(v.from()) || (fallbackActive && policy.fallbacks().contains(v.from()));
            if (!allowed) {
                return Optional.of("vote from " + who + ", who may not vote on it");
            }
            if (policy.fallbacks().contains(v.from()) && vote.votedAt() + policy.skewMs() < activatedAt) {
                return Optional.of("vote from " + who + ", a fallback arbiter, is dated before the activation");
            }
            if (vote.decision() != r.decision()) {
                return Optional.of("vote from " + who + " decides otherwise");
            }
            if (vote.votedAt() > deadline) {
                return Optional.of("vote from " + who + " is past the deadline");
            }
            if (vote.votedAt() + policy.skewMs() < open.openedAt()) {
                return Optional.of("vote from " + who + " is dated before the open");
            }
            if (!voters.add(v.from())) {
                return Optional.of("two votes from " + who);
            }
        }
        if (voters.size() < policy.required()) {
            return Optional.of(voters.size() + " agreeing votes, fewer than the " + policy.required() + " required");
        }
        return Optional.empty();
    }
}
