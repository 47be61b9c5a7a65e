package io.quorumd.ledger;

import io.quorumd.crypto.Bytes;
import java.io.IOException;

/**
 * The ledger was opened with another key than the one in force: the first boot entry's, or the key its last
 * {@code rekey} entry rotated to. The ledger is closed again; the node can be opened with that key, if it has it.
 */
public final class KeyInForceException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient Bytes keyInForce;

    public KeyInForceException(String name, Bytes keyInForce, Bytes opened) {
        super("this data dir holds the ledger of " + name + ", whose key in force is " + keyInForce.base64()
                + ", not this node's key " + opened.base64() + ": check node.dataDir, and that node.keyFile or"
                + " node.nextKeyFile holds that key");
        this.keyInForce = keyInForce;
    }

    public Bytes keyInForce() {
        return keyInForce;
    }
}
