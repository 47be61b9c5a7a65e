package io.quorumd.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 and the content ids derived from it (DESIGN §4). */
public final class Hashes {
    /** One digest per thread: looking the algorithm up costs more than hashing a ledger entry. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    });

    private Hashes() {
    }

    public static Bytes sha256(byte[] data) {
        return Bytes.of(SHA256.get().digest(data)); // digest() resets it for the next use
    }

    /** A content id: lowercase hex of the first 16 bytes of SHA-256 of the given canonical bytes. */
    public static String contentId(byte[] canonicalBytes) {
        return sha256(canonicalBytes).prefix(16).hex();
    }
}
