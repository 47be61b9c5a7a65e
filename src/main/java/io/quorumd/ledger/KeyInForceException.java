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
        this("this data dir holds the ledger of " + name + ", whose key in force is " + keyInForce.base64()
                + ", not this node's key " + opened.base64() + ": check node.dataDir, and that node.keyFile or"
                + " node.nextKeyFile holds that key", keyInForce);
    }

    private KeyInForceException(String message, Bytes keyInForce) {
        super(message);
        this.keyInForce = keyInForce;
    }

    /**
     * The ledger is empty, and {@code opened} is not the key the roster it starts from (federation.roster, or
     * order.anchorFile) lists for {@code name}: a node never begins a ledger with another member's key.
     */
    public static KeyInForceException emptyLedger(String name, Bytes starting, Bytes opened) {
        return new KeyInForceException("this node's ledger is empty, and begins with the key the roster it starts from"
                + " (federation.roster, or order.anchorFile) lists for " + name + ", " + starting.base64()
                + ", not this node's key " + opened.base64() + ": check node.keyFile and node.nextKeyFile", starting);
    }

    public Bytes keyInForce() {
        return keyInForce;
    }
}
