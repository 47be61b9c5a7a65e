package io.quorumd.config;

import io.quorumd.crypto.KeyFileException;
import io.quorumd.crypto.NodeKey;
import io.quorumd.wire.Member;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Loads this node's key and checks it is the one the roster lists under {@code node.name}; and the key it
 * takes when its rotation executes ({@code node.nextKeyFile}).
 */
public final class NodeIdentity {
    /** A key with the file it came from (a marker beside it records that it signed). */
    public record KeyFile(NodeKey key, Path file) {
    }

    private NodeIdentity() {
    }

    /**
     * The key of {@code node.keyFile}. With ordering off it must be the one the YAML roster lists for this node;
     * with ordering on or auto it may be a key the node rotated to since (the ledger then names the key in force,
     * checked when it opens).
     */
    public static NodeKey load(QuorumdConfig config) throws ConfigException {
        NodeKey key = read(config, "node.keyFile", config.node().keyFile());
        Member self = config.self();
        if (!self.publicKey().equals(key.publicKey()) && config.order().mode() == QuorumdConfig.OrderMode.OFF) {
            throw new ConfigException(String.valueOf(config.source()), List.of(new ConfigProblem("node.keyFile",
                    "the key in " + config.node().keyFile() + " (public key " + key.publicKey().base64()
                            + ") is not the one federation.roster lists for " + self.name() + " ("
                            + self.publicKey().base64() + ")")));
        }
        return key;
    }

    /** The key of {@code node.nextKeyFile}, if set: readable, and not the key of {@code node.keyFile}. */
    public static Optional<KeyFile> next(QuorumdConfig config) throws ConfigException {
        if (config.node().nextKeyFile().isEmpty()) {
            return Optional.empty();
        }
        Path file = config.node().nextKeyFile().get();
        NodeKey next = read(config, "node.nextKeyFile", file);
        if (next.publicKey().equals(config.self().publicKey())) {
            throw new ConfigException(String.valueOf(config.source()), List.of(new ConfigProblem("node.nextKeyFile",
                    "holds the key federation.roster already lists for " + config.node().name()
                            + ": a rotation needs a new key (quorumd keygen --out FILE)")));
        }
        if (config.order().mode() == QuorumdConfig.OrderMode.OFF) {
            throw new ConfigException(String.valueOf(config.source()), List.of(new ConfigProblem("node.nextKeyFile",
                    "is set while order.enabled is off: keys rotate only through ordering")));
        }
        return Optional.of(new KeyFile(next, file));
    }

    /** {@link #next}, or empty when it does not load (the daemon checked the config before it got here). */
    public static Optional<KeyFile> nextQuietly(QuorumdConfig config) {
        try {
            return next(config);
        } catch (ConfigException e) {
            return Optional.empty();
        }
    }

    /** Both keys this node may sign with: {@code node.keyFile}'s first, then {@code node.nextKeyFile}'s. */
    public static List<KeyFile> all(QuorumdConfig config) throws ConfigException {
        KeyFile first = new KeyFile(load(config), config.node().keyFile());
        return next(config).map(n -> List.of(first, n)).orElse(List.of(first));
    }

    private static NodeKey read(QuorumdConfig config, String path, Path file) throws ConfigException {
        try {
            return NodeKey.read(file);
        } catch (KeyFileException e) {
            throw new ConfigException(String.valueOf(config.source()), List.of(new ConfigProblem(path, e.getMessage())));
        }
    }
}
