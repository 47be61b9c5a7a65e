package io.quorumd.arbiter;

import io.quorumd.crypto.NodeId;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.Member;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.Roster;
import java.util.List;
import java.util.Optional;

/**
 * What this node's operator does through the control socket: open a dispute, vote on one. A request is
 * checked by exactly the rules a peer applies to the message (the wire decoder's, then
 * {@link DisputeRules}) and refused with a plain reason; what passes is signed once (slot per dispute),
 * applied locally and published.
 */
public final class ArbiterDesk {
    private final ArbiterMachine m;

    ArbiterDesk(ArbiterMachine machine) {
        this.m = machine;
    }

    /**
     * Opens a dispute as this node, between {@code buyer} and {@code seller} (roster names or node ids);
     * returns its id, or throws IllegalArgumentException with the reason.
     */
    public String open(String subject, String buyer, String seller, long amount, String reason, List<String> evidence) {
        DisputeOpen body;
        try {
            body = DisputeOpen.checked(subject, member(buyer, "buyer"), member(seller, "seller"), amount, reason,
                    evidence, m.now());
        } catch (DecodeException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        for (Dispute d : m.disputes()) {
            if (d.status().active() && d.open().from().equals(m.self()) && d.body().subject().equals(subject)) {
                throw new IllegalArgumentException("this node already has dispute " + d.id() + " open on " + subject);
            }
        }
        m.refuseOpen(body).ifPresent(r -> {
            throw new IllegalArgumentException(switch (r.code()) {
                case "not_a_party" -> "only the buyer's or the seller's node may open a dispute; this node ("
                        + m.policy().label(m.self()) + ") is neither buyer " + buyer + " nor seller " + seller;
                case "too_many_open" -> "this node already has " + m.policy().maxOpenPerMember()
                        + " active disputes (arbiter.maxOpenPerMember)";
                default -> r.detail();
            });
        });
        m.signAndApply("arbiter/open/" + body.disputeId(), MessageType.DISPUTE_OPEN, body, m.topics().arbiterPropose());
        return body.disputeId();
    }

    private NodeId member(String nameOrId, String role) {
        Roster roster = m.policy().roster();
        Optional<Member> found = NodeId.isWellFormed(nameOrId) ? roster.byId(new NodeId(nameOrId)) : roster.byName(nameOrId);
        return found.map(Member::nodeId).orElseThrow(() -> new IllegalArgumentException(role + " " + nameOrId
                + " is not a roster member (give a member's name or node id)"));
    }

    /** Votes as this node; throws IllegalArgumentException with the reason it may not. */
    public void vote(String disputeId, Decision decision, String reason) {
        Dispute d = m.dispute(disputeId).orElseThrow(() -> new IllegalArgumentException("unknown dispute " + disputeId));
        if (!m.policy().isArbiter(m.self())) {
            throw new IllegalArgumentException("this node (" + m.policy().label(m.self()) + ") is not an arbiter");
        }
        Envelope mine = d.votes().get(m.self());
        if (mine != null) {
            throw new IllegalArgumentException("this node already voted " + ((DisputeVote) mine.body()).decision().code()
                    + " on " + disputeId + "; a vote cannot be changed");
        }
        long openedAt = d.body().openedAt();
        m.voteRefusal(openedAt).ifPresent(r -> {
            throw new IllegalArgumentException("this node does not vote on dispute " + disputeId + ": " + r.detail());
        });
        if (openedAt > m.now()) {
            throw new IllegalArgumentException("dispute " + disputeId + " is dated " + (openedAt - m.now())
                    + " ms ahead of this node's clock; vote once that time has come");
        }
        DisputeVote vote;
        try {
            vote = DisputeVote.checked(disputeId, decision, reason, m.now());
        } catch (DecodeException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        if (!d.status().active()) {
            throw new IllegalArgumentException("dispute " + disputeId + " is " + d.status() + "; voting is closed");
        }
        if (m.now() > d.deadline()) {
            throw new IllegalArgumentException("the deadline of dispute " + disputeId + " has passed");
        }
        Optional<Refusal> refused = DisputeRules.voteRefusal(d, m.self(), vote, m.policy());
        if (refused.isPresent()) {
            throw new IllegalArgumentException(refused.get().code().equals("fallback_before_activation")
                    ? "this node is a fallback arbiter and the fallback is not activated" : refused.get().detail());
        }
        m.signAndApply("arbiter/vote/" + disputeId, MessageType.DISPUTE_VOTE, vote, m.topics().arbiterVote());
    }
}
