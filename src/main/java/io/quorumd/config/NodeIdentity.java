package io.quorumd.config;

import io.quorumd.crypto.KeyFileException;
import io.quorumd.crypto.NodeKey;
import io.quorumd.wire.Member;
import java.util.List;

/** Loads this node's key and checks it is the one the roster lists under {@code node.name}. */
public final class NodeIdentity {
    private NodeIdentity() {
    }

    public static NodeKey load(QuorumdConfig config) throws ConfigException {
        NodeKey key;
        try {
            key = NodeKey.read(config.node().keyFile());
        } catch (KeyFileException e) {
            throw new ConfigException(String.valueOf(config.source()),
                    List.of(new ConfigProblem("node.keyFile", e.getMessage())));
        }
        Member self = config.self();
        if (!self.publicKey().equals(key.publicKey())) {
            throw new ConfigException(String.valueOf(config.source()), List.of(new ConfigProblem("node.keyFile",
                    "the key in " + config.node().keyFile() + " (public key " + key.publicKey().base64()
                            + ") is not the one federation.roster lists for " + self.name() + " ("
                            + self.publicKey().base64() + ")")));
        }
        return key;
    }
}
