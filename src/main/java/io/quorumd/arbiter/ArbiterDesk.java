package io.quorumd.arbiter;

import io.quorumd.loop.InboundMessage;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import java.util.List;
import java.util.Optional;

/**
 * What this node's operator does through the control socket: open a dispute, vote on one. Each request is
 * checked by the same rules as a peer's message and refused with a plain reason; what passes is signed
 * once (slot per dispute), applied locally and published.
 */
public final class ArbiterDesk {
    private final ArbiterMachine m;

    ArbiterDesk(ArbiterMachine machine) {
        this.m = machine;
    }

    /** Opens a dispute as this node; returns its id, or throws IllegalArgumentException with the reason. */
    public String open(String subject, String buyer, String seller, long amount, String reason, List<String> evidence) {
        if (buyer.equals(seller)) {
            throw new IllegalArgumentException("buyer and seller must differ");
        }
        if (amount < 0) {
            throw new IllegalArgumentException("amount must not be negative");
        }
        DisputeOpen body = new DisputeOpen(subject, buyer, seller, amount, reason, evidence, m.clock.millis());
        m.refuseOpen(body).ifPresent(r -> {
            throw new IllegalArgumentException(r);
        });
        Envelope env = m.slots.signOnce("arbiter/open/" + body.disputeId(), MessageType.DISPUTE_OPEN, body,
                m.topics.arbiterPropose(), false);
        m.onMessage(new InboundMessage(m.topics.arbiterPropose(), env, m.roster.byId(m.self).orElseThrow(), false));
        m.scheduleMidpoint(body.disputeId());
        return body.disputeId();
    }

    /** Votes as this node; throws IllegalArgumentException with the reason it may not. */
    public void vote(String disputeId, Decision decision, String reason) {
        Dispute d = m.dispute(disputeId).orElseThrow(() -> new IllegalArgumentException("unknown dispute " + disputeId));
        if (!m.policy().isArbiter(m.self)) {
            throw new IllegalArgumentException("this node (" + m.roster.label(m.self) + ") is not an arbiter");
        }
        Envelope mine = d.votes().get(m.self);
        if (mine != null) {
            throw new IllegalArgumentException("this node already voted " + ((DisputeVote) mine.body()).decision().code()
                    + " on " + disputeId + "; a vote cannot be changed");
        }
        DisputeVote vote = new DisputeVote(disputeId, decision, reason, m.clock.millis());
        Optional<String> refused = DisputeRules.voteRefusal(d, m.self, vote, m.policy(), m.live, m.clock.millis());
        if (refused.isPresent()) {
            throw new IllegalArgumentException(switch (refused.get()) {
                case "closed" -> "dispute " + disputeId + " is " + d.status() + "; voting is closed";
                case "past_deadline" -> "the deadline of dispute " + disputeId + " has passed";
                case "fallback_before_activation" -> "this node is a fallback arbiter and the fallback is not activated";
                default -> "this node is not an arbiter";
            });
        }
        Envelope env = m.slots.signOnce("arbiter/vote/" + disputeId, MessageType.DISPUTE_VOTE, vote,
                m.topics.arbiterVote(), false);
        m.onMessage(new InboundMessage(m.topics.arbiterVote(), env, m.roster.byId(m.self).orElseThrow(), false));
    }
}
