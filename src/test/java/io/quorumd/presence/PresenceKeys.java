package io.quorumd.presence;

import io.quorumd.crypto.NodeKey;

/** Fixed keys for presence tests: the same node ids in every run. */
final class PresenceKeys {
    private PresenceKeys() {
    }

    /** The key whose seed is {@code b} followed by zeros. */
    static NodeKey key(int b) {
        byte[] s = new byte[32];
        s[0] = (byte) b;
        return NodeKey.fromSeed(s);
    }
}
