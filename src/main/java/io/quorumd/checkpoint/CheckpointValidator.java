package io.quorumd.checkpoint;

import io.quorumd.crypto.NodeId;
import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.CheckpointProposal;
import io.quorumd.wire.CheckpointTuple;
import io.quorumd.wire.CheckpointVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.InboundVerifier;
import io.quorumd.wire.Member;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The one validity rule for a final checkpoint (DESIGN §6), used on live input, retained finals at boot,
 * ledger replay and {@code ledger verify --full}: the subject is in the roster; every vote is a
 * {@code checkpoint.vote} from a distinct roster voter other than the subject, its signature verifies and
 * its signed tuple equals the final's; at least {@code minVoters} of them; a proposal, if carried, is the
 * subject's, verifies and carries the tuple; asOf is not beyond {@code now + skew}.
 */
public final class CheckpointValidator {
    private CheckpointValidator() {
    }

    public static Optional<String> validate(CheckpointFinal f, Roster roster, int minVoters, long now, long skewMs) {
        CheckpointTuple t = f.tuple();
        if (!NodeId.isWellFormed(t.subjectId()) || roster.byId(new NodeId(t.subjectId())).isEmpty()) {
            return Optional.of("subject " + t.subjectId() + " is not in the roster");
        }
        if (t.asOf() > now + skewMs) {
            return Optional.of("asOf is in the future");
        }
        InboundVerifier verifier = new InboundVerifier(roster);
        Set<NodeId> voters = new HashSet<>();
        for (Envelope v : f.votes()) {
            if (!(v.body() instanceof CheckpointVote vote)) {
                return Optional.of("a vote slot holds a " + v.type().wireName());
            }
            if (v.from().hex().equals(t.subjectId())) {
                return Optional.of("the subject voted for itself");
            }
            if (verifier.verify(v) instanceof InboundVerifier.Verdict.Rejected r) {
                return Optional.of("vote from " + v.from().shortHex() + ": " + r.reason().code());
            }
            Member m = roster.byId(v.from()).orElseThrow();
            if (!m.has(Role.VOTER)) {
                return Optional.of("vote from " + m.name() + ", who is not a voter");
            }
            if (!vote.tuple().equals(t)) {
                return Optional.of("vote from " + m.name() + " signs a different tuple");
            }
            if (!voters.add(v.from())) {
                return Optional.of("two votes from " + m.name());
            }
        }
        if (voters.size() < minVoters) {
            return Optional.of(voters.size() + " valid votes, fewer than minVoters " + minVoters);
        }
        if (f.proposal().isPresent()) {
            Envelope p = f.proposal().get();
            if (!(p.body() instanceof CheckpointProposal proposal) || !p.from().hex().equals(t.subjectId())) {
                return Optional.of("the carried proposal is not the subject's");
            }
            if (verifier.verify(p) instanceof InboundVerifier.Verdict.Rejected r) {
                return Optional.of("proposal: " + r.reason().code());
            }
            if (!proposal.tuple().equals(t)) {
                return Optional.of("the carried proposal has other values");
            }
        }
        return Optional.empty();
    }
}
