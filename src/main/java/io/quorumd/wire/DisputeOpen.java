package io.quorumd.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.CanonicalJson;
import io.quorumd.crypto.Hashes;
import java.util.ArrayList;
import java.util.List;

/**
 * A signed request to arbitrate: what is disputed ({@code subject}, e.g. a payment id), between which
 * roster members, over what amount (integer minor units), why, with the SHA-256 of each evidence file.
 * The dispute id is the content id of this body. Published on {@code {p}/arbiter/propose}.
 */
public record DisputeOpen(String subject, String buyer, String seller, long amount, String reason,
                          List<String> evidence, long openedAt) implements Body {
    public static final int MAX_TEXT = 2000;

    public DisputeOpen {
        evidence = List.copyOf(evidence);
    }

    /** An open built on this node, checked by the rules a peer's decoder applies; the reason if it fails them. */
    public static DisputeOpen checked(String subject, String buyer, String seller, long amount, String reason,
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
        o.put("buyer", buyer);
        o.put("seller", seller);
        o.put("amount", amount);
        o.put("reason", reason);
        ArrayNode e = o.putArray("evidence");
        evidence.forEach(e::add);
        o.put("openedAt", openedAt);
        return o;
    }

    static DisputeOpen parse(ObjectNode body) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        String subject = bounded(f.text("subject"), "subject");
        String buyer = bounded(f.text("buyer"), "buyer");
        String seller = bounded(f.text("seller"), "seller");
        long amount = f.nonNegative("amount");
        String reason = bounded(f.text("reason"), "reason");
        List<String> evidence = new ArrayList<>();
        for (JsonNode e : f.array("evidence")) {
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

    static String bounded(String s, String name) throws DecodeException {
        if (s.length() > MAX_TEXT) {
            throw new DecodeException(RejectReason.BAD_VALUE, name + " is " + s.length() + " characters; at most "
                    + MAX_TEXT + " are allowed");
        }
        return s;
    }
}
