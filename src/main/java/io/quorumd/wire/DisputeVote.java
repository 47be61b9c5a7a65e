package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** An arbiter's signed vote on one dispute. Published on {@code {p}/arbiter/vote}. */
public record DisputeVote(String disputeId, Decision decision, String reason, long votedAt) implements Body {
    public static final int MAX_REASON = 500;

    /** A vote built on this node, checked by the rules a peer's decoder applies; the reason if it fails them. */
    public static DisputeVote checked(String disputeId, Decision decision, String reason, long votedAt)
            throws DecodeException {
        return MessageType.DISPUTE_VOTE.checked(new DisputeVote(disputeId, decision, reason, votedAt));
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("disputeId", disputeId);
        o.put("decision", decision.code());
        o.put("reason", reason);
        o.put("votedAt", votedAt);
        return o;
    }

    static DisputeVote parse(ObjectNode body) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        String id = f.contentId("disputeId", false);
        DisputeVote v = new DisputeVote(id, Decision.ofCode(f.text("decision")), DisputeOpen.bounded(f.text("reason"),
                "reason", MAX_REASON), f.nonNegative("votedAt"));
        f.done();
        return v;
    }
}
