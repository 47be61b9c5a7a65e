package io.quorumd.crypto;

import java.util.regex.Pattern;

/**
 * A node's identity: lowercase hex of the first 16 bytes of SHA-256 of its raw 32-byte Ed25519 public
 * key. Self-certifying: anyone holding the key can recompute it. Names are labels only.
 */
public record NodeId(String hex) implements Comparable<NodeId> {
    private static final Pattern FORM = Pattern.compile("[0-9a-f]{32}");

    public NodeId {
        if (hex == null || !FORM.matcher(hex).matches()) {
            throw new IllegalArgumentException("a node id is 32 lowercase hex characters, got " + hex);
        }
    }

    public static boolean isWellFormed(String text) {
        return text != null && FORM.matcher(text).matches();
    }

    public static NodeId of(Bytes publicKey) {
        return new NodeId(Hashes.sha256(publicKey.toArray()).prefix(16).hex());
    }

    @Override
    public int compareTo(NodeId o) {
        return hex.compareTo(o.hex);
    }

    /** The first 8 hex characters, for log lines. */
    public String shortHex() {
        return hex.substring(0, 8);
    }

    @Override
    public String toString() {
        return hex;
    }
}
