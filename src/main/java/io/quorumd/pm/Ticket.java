package io.quorumd.pm;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.CanonicalJson;
import io.quorumd.crypto.Hashes;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.SigningBytes;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Json;
import io.quorumd.wire.JsonFields;
import java.math.BigInteger;

/**
 * One lottery ticket (DESIGN §14): the canonical JSON {faceValue, paramsExpiresAt, recipient, recipientRandHash,
 * sender, senderNonce, winProb}. The sender signs {@value #DOMAIN} + those bytes with its own key — not the
 * envelope's signature, which covers {@code ts} and would give a re-sent ticket a second draw. The ticket id is the
 * hex SHA-256 of the same bytes, without the signature, so a second signature over one ticket is still one ticket.
 * <p>
 * Amounts and times are integers in [0, 2^53 − 1] (what canonical JSON carries); faceValue and senderNonce start at
 * 1; winProb is in [1, 2^256 − 1]; a member does not pay itself.
 */
public record Ticket(long faceValue, long paramsExpiresAt, NodeId recipient, Bytes recipientRandHash, NodeId sender,
                     long senderNonce, BigInteger winProb) {
    public static final String DOMAIN = "quorumd-ticket/1\n";

    public Ticket {
        long max = CanonicalJson.MAX_SAFE_INTEGER;
        if (faceValue < 1 || faceValue > max || paramsExpiresAt < 0 || paramsExpiresAt > max || senderNonce < 1
                || senderNonce > max) {
            throw new IllegalArgumentException("faceValue and senderNonce are 1 to 2^53 - 1, paramsExpiresAt 0 to 2^53 - 1");
        }
        if (recipientRandHash.length() != 32) {
            throw new IllegalArgumentException("recipientRandHash is 32 bytes");
        }
        if (winProb.signum() <= 0 || !Uint256.fits(winProb)) {
            throw new IllegalArgumentException("winProb is 1 to 2^256 - 1");
        }
        if (sender.equals(recipient)) {
            throw new IllegalArgumentException("a member does not pay itself");
        }
    }

    /** The ticket with nonce {@code senderNonce} under these params. */
    public static Ticket of(TicketParams p, long senderNonce) {
        return new Ticket(p.faceValue(), p.expiresAt(), p.recipient(), p.recipientRandHash(), p.sender(), senderNonce,
                p.winProb());
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("faceValue", faceValue);
        o.put("paramsExpiresAt", paramsExpiresAt);
        o.put("recipient", recipient.hex());
        o.put("recipientRandHash", recipientRandHash.hex());
        o.put("sender", sender.hex());
        o.put("senderNonce", senderNonce);
        o.put("winProb", Uint256.hex(winProb));
        return o;
    }

    public byte[] canonicalBytes() {
        return CanonicalJson.encode(toJson());
    }

    /** What the sender's Ed25519 signature covers. */
    public byte[] signingBytes() {
        return SigningBytes.of(DOMAIN, toJson());
    }

    /** 64 lowercase hex: SHA-256 of the canonical bytes; the key of "used tickets". */
    public String ticketId() {
        return Hashes.sha256(canonicalBytes()).hex();
    }

    public Ev ev() {
        return Ev.of(faceValue, winProb);
    }

    /** Reads the seven ticket fields from {@code f} (the caller calls {@code done()}). */
    static Ticket read(JsonFields f) throws DecodeException {
        long faceValue = PmJson.ranged(f, "faceValue", 1);
        long expiresAt = PmJson.ranged(f, "paramsExpiresAt", 0);
        NodeId recipient = f.nodeId("recipient");
        Bytes hash = PmJson.bytes32(f, "recipientRandHash");
        NodeId sender = f.nodeId("sender");
        long nonce = PmJson.ranged(f, "senderNonce", 1);
        BigInteger winProb = PmJson.uint256(f, "winProb");
        try {
            return new Ticket(faceValue, expiresAt, recipient, hash, sender, nonce, winProb);
        } catch (IllegalArgumentException e) {
            throw PmJson.bad("ticket: " + e.getMessage());
        }
    }
}
