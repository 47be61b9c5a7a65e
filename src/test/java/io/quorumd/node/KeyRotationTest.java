package io.quorumd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.config.NodeIdentity;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.crypto.NodeKey;
import io.quorumd.ledger.BootRecord;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.KeyInForceException;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerEntry;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.ledger.ScanResult;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A daemon's own key rotation (DESIGN §12): proposed only to the key of {@code node.nextKeyFile}; once executed
 * the node records a {@code rekey} entry, restarts with the new key, and every peer takes the new key and refuses
 * the old one; its ledger verifies across the switch, and a later start finds the key in force by itself.
 */
class KeyRotationTest {
    @TempDir
    Path dir;

    private static long epoch(SimNode n) {
        return OrderingRestartTest.epoch(n);
    }

    /** The federation after node-2 rotated from {@code old} to {@code next}. */
    private record Rotated(SimFederation f, NodeKey old) {
    }

    /** Four replicas; node-2 rotates to {@code next} (its file named in node.nextKeyFile) with two endorsements. */
    private Rotated rotated(NodeKey next) throws Exception {
        SimFederation f = SimFederation.started(23, dir, SimFederation.Options.fast(4).withReplicas(4), 20);
        SimWorld w = f.world();
        w.run(Duration.ofSeconds(5));
        SimNode two = f.node(2);
        NodeKey old = two.key();
        Rotations.giveNextKey(f, dir, 2, next);
        Rotations.endorse(f, Rotations.propose(f, 2, next), 1, 3);
        assertTrue(w.runUntil(Duration.ofSeconds(60), () -> f.nodes().stream().allMatch(n -> n.up() && epoch(n) == 1)
                && two.id().equals(next.nodeId())), "the rotation executes everywhere and node-2 runs with its new key");
        return new Rotated(f, old);
    }

    @Test
    void aRotatedNodeRestartsWithItsNextKeyAndThePeersTakeOnlyThatKey() throws Exception {
        NodeKey next = NodeKey.fromSeed(new byte[] {4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 2,
                4, 2, 4, 2, 4, 2, 4, 2});
        SimFederation f = rotated(next).f();
        SimWorld w = f.world();
        SimNode two = f.node(2);
        Envelope byNew = signed(next, w.now());
        for (int i : new int[] {1, 3, 4}) {
            assertTrue(f.node(i).core().signerOf(byNew).isPresent(), "node-" + i + " takes node-2's new key");
        }
        // with node-4 down, q = 3 of 4 needs node-2's votes under its new key
        f.node(4).stop();
        String noop = f.node(1).control(c -> c.ordering().orElseThrow().propose("noop", io.quorumd.wire.Json.object(), 0));
        assertTrue(w.runUntil(Duration.ofSeconds(60), () -> f.node(1).core().ordering().orElseThrow().log(0).stream()
                .anyMatch(l -> l.path("requestId").asText().equals(noop))), "ordering goes on with node-2's new key");
        List<LedgerEntry> entries = entries(two);
        int rekey = indexOf(entries, EntryKind.REKEY);
        assertTrue(rekey > 0, "the rotation is recorded");
        assertEquals(next.publicKey().base64(), entries.get(rekey).data().path("to").asText());
        assertEquals(EntryKind.SEAL, entries.get(rekey + 1).kind(), "the old key seals the rekey entry's group");
        BootRecord after = BootRecord.parse(entries.get(rekey + 2).data());
        assertEquals(next.publicKey(), after.publicKey(), "the next boot entry names the new key");
        assertEquals(1, after.epoch(), "and the epoch it starts in");
        assertEquals(Optional.empty(), verify(two), "ledger verify --full passes across the key switch");
        two.stop();
        two.start();
        assertEquals(next.nodeId(), two.id(), "a later start keeps the new key");
    }

    @Test
    void theOldKeyIsRefusedOnEveryNodeAfterTheRotation() throws Exception {
        NodeKey next = NodeKey.fromSeed(new byte[] {5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1,
                5, 1, 5, 1, 5, 1, 5, 1});
        Rotated r = rotated(next);
        SimFederation f = r.f();
        NodeKey old = r.old();
        SimWorld w = f.world();
        w.run(Duration.ofMinutes(5)); // the closed epoch's certificate stands: its keys finish nothing more
        Envelope byOld = signed(old, w.now());
        for (int i : new int[] {1, 3, 4}) {
            assertTrue(f.node(i).core().signerOf(byOld).isEmpty(), "node-" + i + " refuses node-2's old key");
        }
    }

    @Test
    void aStartFindsTheKeyInForceWithOrWithoutTheHintAndRefusesWithoutIt() throws Exception {
        NodeKey next = NodeKey.fromSeed(new byte[] {6, 3, 6, 3, 6, 3, 6, 3, 6, 3, 6, 3, 6, 3, 6, 3, 6, 3, 6, 3, 6, 3, 6, 3,
                6, 3, 6, 3, 6, 3, 6, 3});
        Rotated r = rotated(next);
        SimNode two = r.f().node(2);
        two.stop();
        QuorumdConfig c = two.config();
        // the daemon reads both files: node.keyFile still holds the anchor's key, node.nextKeyFile the new one
        Path keyFile = c.node().keyFile();
        Files.deleteIfExists(keyFile);
        r.old().writeNew(keyFile);
        List<NodeIdentity.KeyFile> keys = NodeIdentity.all(c);
        assertEquals(next.nodeId(), openedId(c, keys), "the hint names the new key");
        Files.delete(c.node().dataDir().resolve(KeyRotation.HINT_FILE));
        assertEquals(next.nodeId(), openedId(c, keys), "without the hint the ledger's key in force is found");
        KeyInForceException e = assertThrows(KeyInForceException.class,
                () -> QuorumNode.open(c, keys.subList(0, 1), Clock.systemUTC(), t -> { }, () -> { }));
        assertTrue(e.getMessage().contains(next.publicKey().base64()), e.getMessage());
    }

    private static io.quorumd.crypto.NodeId openedId(QuorumdConfig c, List<NodeIdentity.KeyFile> keys) throws Exception {
        QuorumNode n = QuorumNode.open(c, keys, Clock.systemUTC(), t -> { }, () -> { });
        try {
            return n.id();
        } finally {
            n.close();
        }
    }

    private static Envelope signed(NodeKey key, long now) {
        return new io.quorumd.wire.EnvelopeSigner(key, Clock.systemUTC()).signAt(MessageType.ORDER_CHECKPOINT,
                new OrderCheckpoint(1, 99, "ab".repeat(32)), now);
    }

    private static int indexOf(List<LedgerEntry> entries, EntryKind kind) {
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).kind() == kind) {
                return i;
            }
        }
        return -1;
    }

    static List<LedgerEntry> entries(SimNode n) throws Exception {
        List<LedgerEntry> out = new ArrayList<>();
        LedgerScanner.scan(Ledger.directory(n.config().node().dataDir()), (e, p) -> {
            out.add(e);
            return Optional.empty();
        });
        return out;
    }

    static Optional<String> verify(SimNode n) throws Exception {
        ScanResult r = LedgerScanner.scan(Ledger.directory(n.config().node().dataDir()), new FullVerifier());
        return r.corruption().map(Object::toString);
    }
}
