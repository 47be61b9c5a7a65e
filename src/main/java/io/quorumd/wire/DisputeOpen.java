package io.quorumd.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.CanonicalJson;
import io.quorumd.crypto.Hashes;
import io.quorumd.crypto.NodeId;
import java.util.ArrayList;
import java.util.List;

/**
 * A signed request to arbitrate: what is disputed ({@code subject}, e.g. a payment id), between which
 * roster members (by node id: names are labels), over what amount (integer minor units), why, with the
 * SHA-256 of each evidence file. The dispute id is the content id of this body. Published on
 * {@code {p}/arbiter/propose}. The bounds on texts and evidence keep an open, and so a ruling that carries
 * it with M votes, within the envelope cap (see {@code ArbiterLimits}).
 */
public record DisputeOpen(String subject, NodeId buyer, NodeId seller, long amount, String reason,
                          List<String> evidence, long openedAt) implements Body {
    public static final int MAX_SUBJECT = 256;
    public static final int MAX_REASON = 1000;
    public static final int MAX_EVIDENCE = 8;

    public DisputeOpen {
        evidence = List.copyOf(evidence);
    }

    /** An open built on this node, checked by the rules a peer's decoder applies; the reason if it fails them. */
    public static DisputeOpen checked(String subject, NodeId buyer, NodeId seller, long amount, String reason,
                                      List<String> evidence, long openedAt) throws DecodeException {
        return MessageType.DISPUTE_OPEN.checked(new DisputeOpen(subject, buyer, seller, amount, reason, evidence,
                openedAt));
    }

    public String disputeId() {
        return Hashes.contentId(CanonicalJson.encode(toJson()));
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("subject", subject);
        o.put("buyer", buyer.hex());
        o.put("seller", seller.hex());
        o.put("amount", amount);
        o.put("reason", reason);
        ArrayNode e = o.putArray("evidence");
        evidence.forEach(e::add);
        o.put("openedAt", openedAt);
        return o;
    }

    static DisputeOpen parse(ObjectNode body) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        String subject = bounded(f.text("subject"), "subject", MAX_SUBJECT);
        NodeId buyer = f.nodeId("buyer");
        NodeId seller = f.nodeId("seller");
        long amount = f.nonNegative("amount");
        String reason = bounded(f.text("reason"), "reason", MAX_REASON);
        List<String> evidence = new ArrayList<>();
        ArrayNode digests = f.array("evidence");
        if (digests.size() > MAX_EVIDENCE) {
            throw new DecodeException(RejectReason.BAD_VALUE, "at most " + MAX_EVIDENCE + " evidence digests");
        }
        for (JsonNode e : digests) {
            if (!e.isTextual() || !e.textValue().matches("[0-9a-f]{64}")) {
                throw new DecodeException(RejectReason.BAD_VALUE, "evidence entries are SHA-256 hex digests");
            }
            evidence.add(e.textValue());
        }
        long openedAt = f.nonNegative("openedAt");
        f.done();
        if (subject.isBlank()) {
            throw new DecodeException(RejectReason.BAD_VALUE, "a dispute needs a subject");
        }
        if (buyer.equals(seller)) {
            throw new DecodeException(RejectReason.BAD_VALUE, "buyer and seller must be two different members");
        }
        return new DisputeOpen(subject, buyer, seller, amount, reason, evidence, openedAt);
    }

    static String bounded(String s, String name, int max) throws DecodeException {
        if (s.length() > max) {
            throw new DecodeException(RejectReason.BAD_VALUE, name + " is " + s.length() + " characters; at most "
                    + max + " are allowed");
        }
        return s;
    }
}
