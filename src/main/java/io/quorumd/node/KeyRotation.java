package io.quorumd.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.config.NodeIdentity.KeyFile;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.crypto.Bytes;
import io.quorumd.wire.Json;
import io.quorumd.wire.Member;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's own key rotation (DESIGN §12). The daemon asks for one only to the key of {@code node.nextKeyFile};
 * when the federation executes it, the node records a {@code rekey} entry (the last its old key signs), stops
 * handling input, and restarts with the new key. The ledger says which key is in force; a small hint file beside
 * it ({@value #HINT_FILE}) only spares a second replay at start by naming which configured key to try first.
 */
final class KeyRotation {
    private static final Logger LOG = LoggerFactory.getLogger(KeyRotation.class);
    static final String HINT_FILE = "key-in-force";

    private final Bytes current;
    private final Optional<KeyFile> next;
    private final Path dataDir;
    private final Consumer<ObjectNode> record;
    private Bytes rotatedTo;
    private Runnable onRekey = () -> { };

    /** {@code record} appends the {@code rekey} entry to the ledger. */
    private java.util.function.Supplier<Optional<String>> hold = Optional::empty;

    KeyRotation(Bytes current, Optional<KeyFile> next, Path dataDir, Consumer<ObjectNode> record) {
        this.current = current;
        this.next = next.filter(k -> !k.key().publicKey().equals(current));
        this.dataDir = dataDir;
        this.record = record;
    }

    /** What restarts the node once the rotation is durable (the daemon's run loop). */
    void onRekey(Runnable action) {
        this.onRekey = action;
    }

    /** True from the rotation's execution on: the node takes no more input; its old key signs nothing more. */
    boolean pending() {
        return rotatedTo != null;
    }

    /** The batch holding the {@code rekey} entry is durable: names the new key for the next start, restarts. */
    void durable() {
        writeHint(dataDir, rotatedTo);
        onRekey.run();
    }

    /** What else holds a rotation back (the ticket machine's winners and tickets); why, if it does. */
    void holdBy(java.util.function.Supplier<Optional<String>> hold) {
        this.hold = hold;
    }

    /** Why this daemon cannot ask to rotate to {@code newPublicKey}, if it cannot. */
    Optional<String> refusal(Bytes newPublicKey) {
        Optional<String> held = hold.get();
        if (held.isPresent()) {
            return held;
        }
        if (next.isEmpty()) {
            return Optional.of("node.nextKeyFile is not set: name the new key's file there, restart the daemon, then"
                    + " propose the rotation again (the daemon must hold the key it is to sign with)");
        }
        if (!next.get().key().publicKey().equals(newPublicKey)) {
            return Optional.of("node.nextKeyFile (" + next.get().file() + ") holds the key "
                    + next.get().key().publicKey().base64() + ", not " + newPublicKey.base64());
        }
        return Optional.empty();
    }

    /** This node's rotation to {@code rotated} executed at {@code seq}; the new key belongs to {@code epoch}. */
    void executed(Member rotated, long epoch, long seq) {
        ObjectNode d = Json.object();
        d.put("from", current.base64());
        d.put("to", rotated.publicKey().base64());
        d.put("epoch", epoch);
        d.put("seq", seq);
        if (next.filter(k -> k.key().publicKey().equals(rotated.publicKey())).isPresent()) {
            LOG.atInfo().addKeyValue("epoch", epoch).addKeyValue("seq", seq).addKeyValue("id", rotated.nodeId().hex())
                    .log("this node's key rotation executed; restarting with node.nextKeyFile's key");
        } else {
            LOG.atError().addKeyValue("epoch", epoch).addKeyValue("seq", seq).addKeyValue("key", rotated.publicKey().base64())
                    .log("this node's key was rotated to a key node.nextKeyFile does not hold: it will not start again"
                            + " until node.keyFile or node.nextKeyFile holds it");
        }
        record.accept(d);
        rotatedTo = rotated.publicKey();
    }

    /**
     * The key an empty ledger begins with: the one the roster this node starts from lists for {@code node.name}
     * (the exported state of {@code order.anchorFile}, when ordering may run and one is set; else the YAML roster).
     */
    static Bytes startingKey(QuorumdConfig config) throws IOException {
        if (config.order().mode() == QuorumdConfig.OrderMode.OFF || config.order().anchorFile().isEmpty()) {
            return config.self().publicKey();
        }
        Path file = config.order().anchorFile().get();
        return OrderAnchors.exported(file).roster().byName(config.node().name()).map(Member::publicKey).orElseThrow(
                () -> new IOException("order.anchorFile " + file + " does not list " + config.node().name()
                        + ": export it after the change that admitted this node committed"));
    }

    /** The configured keys, the one the hint names first (the hint is advisory: the ledger decides). */
    static List<KeyFile> byHint(Path dataDir, List<KeyFile> keys) {
        Optional<String> hinted;
        try {
            Path hint = dataDir.resolve(HINT_FILE);
            hinted = Files.isRegularFile(hint) ? Optional.of(Files.readString(hint, StandardCharsets.US_ASCII).trim())
                    : Optional.empty();
        } catch (IOException e) {
            hinted = Optional.empty();
        }
        List<KeyFile> out = new ArrayList<>(keys);
        hinted.flatMap(h -> keys.stream().filter(k -> k.key().publicKey().base64().equals(h)).findFirst())
                .ifPresent(k -> {
                    out.remove(k);
                    out.add(0, k);
                });
        return out;
    }

    /** Records which key is in force, atomically (a torn hint would only cost a second replay). */
    static void writeHint(Path dataDir, Bytes publicKey) {
        Path hint = dataDir.resolve(HINT_FILE);
        Path tmp = dataDir.resolve(HINT_FILE + ".tmp");
        try {
            Files.writeString(tmp, publicKey.base64() + "\n", StandardCharsets.US_ASCII);
            try {
                Files.move(tmp, hint, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, hint, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            LOG.atWarn().addKeyValue("file", hint).addKeyValue("error", e.getMessage())
                    .log("cannot write the key hint; the next start may replay the ledger twice");
        }
    }
}
