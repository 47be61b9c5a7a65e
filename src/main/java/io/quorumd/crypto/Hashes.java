package io.quorumd.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 and the content ids derived from it (DESIGN §4). */
public final class Hashes {
    private Hashes() {
    }

    public static Bytes sha256(byte[] data) {
        try {
            return Bytes.of(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    /** A content id: lowercase hex of the first 16 bytes of SHA-256 of the given canonical bytes. */
    public static String contentId(byte[] canonicalBytes) {
        return sha256(canonicalBytes).prefix(16).hex();
    }
}
