package io.quorumd.pm;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.CanonicalJson;
import io.quorumd.crypto.NodeId;
import io.quorumd.wire.Json;
import java.math.BigInteger;

/**
 * The terms a recipient set for one sender: faceValue, winProb, the hash of its secret rand, the 16-byte seed rand was
 * derived from, and when the terms expire. Every ticket under them copies these fields; rand itself is
 * HMAC-SHA256(pmKey, {@link #randInput()}), so changing any of faceValue, winProb, expiresAt, seed or sender under a
 * valid hash makes the rand check fail ({@link RandKey}).
 */
public record TicketParams(NodeId recipient, NodeId sender, long faceValue, BigInteger winProb, Bytes recipientRandHash,
                           Bytes seed, long expiresAt) {
    public static final int SEED_BYTES = 16;

    public TicketParams {
        long max = CanonicalJson.MAX_SAFE_INTEGER;
        if (faceValue < 1 || faceValue > max || expiresAt < 0 || expiresAt > max) {
            throw new IllegalArgumentException("faceValue is 1 to 2^53 - 1, expiresAt 0 to 2^53 - 1");
        }
        if (winProb.signum() <= 0 || !Uint256.fits(winProb)) {
            throw new IllegalArgumentException("winProb is 1 to 2^256 - 1");
        }
        if (recipientRandHash.length() != 32 || seed.length() != SEED_BYTES) {
            throw new IllegalArgumentException("recipientRandHash is 32 bytes, seed " + SEED_BYTES);
        }
        if (sender.equals(recipient)) {
            throw new IllegalArgumentException("a member does not pay itself");
        }
    }

    /** The canonical bytes rand is the HMAC of: {expiresAt, faceValue, seed, sender, winProb}. */
    public byte[] randInput() {
        return randInput(expiresAt, faceValue, seed, sender, winProb);
    }

    static byte[] randInput(long expiresAt, long faceValue, Bytes seed, NodeId sender, BigInteger winProb) {
        ObjectNode o = Json.object();
        o.put("expiresAt", expiresAt);
        o.put("faceValue", faceValue);
        o.put("seed", seed.hex());
        o.put("sender", sender.hex());
        o.put("winProb", Uint256.hex(winProb));
        return CanonicalJson.encode(o);
    }

    /** The EV of one ticket under these terms. */
    public Ev ev() {
        return Ev.of(faceValue, winProb);
    }

    /** The same terms with another faceValue: what a sender that inflates faceValue under a valid hash claims. */
    public TicketParams withFaceValue(long newFaceValue) {
        return new TicketParams(recipient, sender, newFaceValue, winProb, recipientRandHash, seed, expiresAt);
    }
}
