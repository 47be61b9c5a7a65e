package io.quorumd.pm;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.CanonicalJson;
import io.quorumd.crypto.Ed25519;
import io.quorumd.crypto.NodeId;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.JsonFields;
import io.quorumd.wire.RejectReason;
import java.math.BigInteger;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Strict readers for the field shapes of the micropayment messages and state; every failure is a DecodeException. */
final class PmJson {
    private static final Pattern SEED = Pattern.compile("[0-9a-f]{32}");
    private static final Pattern DECIMAL = Pattern.compile("0|[1-9][0-9]{0,79}");

    private PmJson() {
    }

    /**
     * The ticket terms a {@code pm.params} offer and a {@code pm.ticket} batch both carry (faceValue, winProb,
     * recipientRandHash, seed and the expiry under {@code expiresField}), as the params between the two parties.
     */
    /** Writes the terms {@link #terms} reads: faceValue, winProb, recipientRandHash, seed and the expiry field. */
    static void putTerms(ObjectNode o, TicketParams p, String expiresField) {
        o.put("faceValue", p.faceValue());
        o.put("winProb", Uint256.hex(p.winProb()));
        o.put("recipientRandHash", p.recipientRandHash().hex());
        o.put("seed", p.seed().hex());
        o.put(expiresField, p.expiresAt());
    }

    static TicketParams terms(JsonFields f, NodeId recipient, NodeId sender, String expiresField) throws DecodeException {
        long faceValue = ranged(f, "faceValue", 1);
        BigInteger winProb = uint256(f, "winProb");
        Bytes hash = bytes32(f, "recipientRandHash");
        Bytes seed = seed(f, "seed");
        long expiresAt = ranged(f, expiresField, 0);
        try {
            return new TicketParams(recipient, sender, faceValue, winProb, hash, seed, expiresAt);
        } catch (IllegalArgumentException e) {
            throw bad("params: " + e.getMessage());
        }
    }

    /** An integer in [min, 2^53 − 1], the range canonical JSON carries. */
    static long ranged(JsonFields f, String name, long min) throws DecodeException {
        long v = f.integer(name);
        if (v < min || v > CanonicalJson.MAX_SAFE_INTEGER) {
            throw bad(name + " must be an integer from " + min + " to 2^53 - 1");
        }
        return v;
    }

    /** A 256-bit value: 64 lowercase hex. */
    static BigInteger uint256(JsonFields f, String name) throws DecodeException {
        try {
            return Uint256.parseHex(f.text(name));
        } catch (IllegalArgumentException e) {
            throw bad(name + " must be 64 lowercase hex characters");
        }
    }

    /** 32 bytes written as 64 lowercase hex (hashes, rand). */
    static Bytes bytes32(JsonFields f, String name) throws DecodeException {
        return Bytes.of(HexFormat.of().parseHex(f.sha256(name)));
    }

    /** The params seed: 16 bytes as 32 lowercase hex. */
    static Bytes seed(JsonFields f, String name) throws DecodeException {
        String text = f.text(name);
        if (!SEED.matcher(text).matches()) {
            throw bad(name + " must be 32 lowercase hex characters");
        }
        return Bytes.of(HexFormat.of().parseHex(text));
    }

    /** An Ed25519 signature in standard base64. */
    static Bytes sig(JsonFields f, String name) throws DecodeException {
        try {
            Bytes sig = Bytes.fromBase64(f.text(name));
            if (sig.length() == Ed25519.SIGNATURE_BYTES) {
                return sig;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw bad(name + " must be a 64-byte Ed25519 signature in standard base64");
    }

    /** A non-negative amount written as a decimal string (state sums may pass 2^53 − 1). */
    static BigInteger decimal(JsonFields f, String name) throws DecodeException {
        String text = f.text(name);
        if (!DECIMAL.matcher(text).matches()) {
            throw bad(name + " must be a non-negative decimal integer without leading zeros");
        }
        return new BigInteger(text);
    }

    static DecodeException bad(String detail) {
        return new DecodeException(RejectReason.BAD_VALUE, detail);
    }
}
