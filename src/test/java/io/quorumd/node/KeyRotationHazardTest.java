package io.quorumd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.arbiter.Dispute;
import io.quorumd.arbiter.DisputeStatus;
import io.quorumd.config.NodeIdentity;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.config.QuorumdConfig.FsyncMode;
import io.quorumd.crypto.NodeKey;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.EntryVisitor;
import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.KeyInForceException;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerEntry;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.ledger.ScanResult;
import io.quorumd.ledger.SegmentFormat;
import io.quorumd.loop.Shutdown;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A daemon's own key rotation at the worst moments: a stop queued behind the message that executes it, a crash
 * that tears the batch recording it, and an operator whose node.keyFile holds another member's key.
 */
class KeyRotationHazardTest {
    private static final NodeKey NEXT = NodeKey.fromSeed(new byte[] {7, 1, 7, 1, 7, 1, 7, 1, 7, 1, 7, 1, 7, 1, 7, 1, 7, 1,
        7, 1, 7, 1, 7, 1, 7, 1, 7, 1, 7, 1, 7, 1});

    @TempDir
    Path dir;
    /** node-2's key before its rotation. */
    private NodeKey old;

    private static long epoch(SimNode n) {
        return OrderingRestartTest.epoch(n);
    }

    /**
     * Four replicas; node-2 (node.nextKeyFile set) asks to rotate to {@link #NEXT}; {@code beforeEndorsing} runs
     * once the request is out, then node-1 and node-3 endorse it and the world runs until every node is in epoch 1.
     */
    private SimFederation rotate(Consumer<SimFederation> beforeEndorsing) throws Exception {
        SimFederation f = SimFederation.started(31, dir, SimFederation.Options.fast(4).withReplicas(4), 20);
        SimWorld w = f.world();
        w.run(Duration.ofSeconds(5));
        SimNode two = f.node(2);
        old = two.key();
        Rotations.giveNextKey(f, dir, 2, NEXT);
        String id = Rotations.propose(f, 2, NEXT);
        beforeEndorsing.accept(f);
        Rotations.endorse(f, id, 1, 3);
        assertTrue(w.runUntil(Duration.ofSeconds(60), () -> f.nodes().stream().allMatch(n -> n.up() && epoch(n) == 1)
                && two.id().equals(NEXT.nodeId())), "the rotation executes everywhere and node-2 runs with its new key");
        return f;
    }

    @Test
    void aStopQueuedBehindTheRotationSignsNothingMoreWithTheOldKey() throws Exception {
        AtomicBoolean stopped = new AtomicBoolean();
        SimFederation f = rotate(fed -> fed.node(2).sameBatch(n -> {
            // SIGTERM arrives while the loop handles the batch that executes node-2's own rotation
            if (!n.core().ordering().orElseThrow().federation().self().equals(n.id()) && stopped.compareAndSet(false, true)) {
                n.core().onShutdown(new Shutdown("SIGTERM"));
            }
        }));
        assertTrue(stopped.get(), "the stop came in the rotation's batch");
        SimNode two = f.node(2);
        assertEquals(Optional.empty(), verify(two), "nothing after the rekey entry is signed with the old key");
        two.stop();
        two.start();
        assertEquals(NEXT.nodeId(), two.id());
    }

    @Test
    void aCrashThatTearsTheRotationsBatchIsRecoveredAtTheNextStart() throws Exception {
        SimFederation f = rotate(fed -> { });
        SimWorld w = f.world();
        SimNode two = f.node(2);
        two.stop();
        // the crash: the batch that executed the rotation reached the disk only up to its order entry
        List<LedgerEntry> entries = entries(two);
        int rekey = indexOf(entries, EntryKind.REKEY, 0);
        int order = lastBefore(entries, EntryKind.ORDER, rekey);
        truncateAfter(two, order);
        Files.deleteIfExists(two.config().node().dataDir().resolve(KeyRotation.HINT_FILE));
        two.useKey(old);
        two.start();
        assertTrue(w.runUntil(Duration.ofSeconds(30), () -> two.up() && two.id().equals(NEXT.nodeId())),
                "the start records the rotation its ledger lost and takes the new key");
        assertEquals(Optional.empty(), verify(two), "the ledger verifies");
        two.stop();
        two.start();
        assertEquals(NEXT.nodeId(), two.id());
        assertEquals(1, epoch(two));
        assertOrderingGoesOnWithout(f, 4);
    }

    @Test
    void aCrashThatTearsTheEpochEntryOfAPeerLeavesItsLedgerSound() throws Exception {
        SimFederation f = rotate(fed -> { });
        SimWorld w = f.world();
        SimNode three = f.node(3);
        three.crash();
        List<LedgerEntry> entries = entries(three);
        int epochEntry = indexOf(entries, EntryKind.EPOCH, indexOf(entries, EntryKind.EPOCH, 0) + 1);
        truncateAfter(three, lastBefore(entries, EntryKind.ORDER, epochEntry)); // the group's seal is torn off
        three.start();
        assertTrue(w.runUntil(Duration.ofSeconds(30), () -> epoch(three) == 1),
                "the unsealed group is gone whole, and ordering's catch-up brings epoch 1 back");
        w.run(Duration.ofSeconds(5));
        three.stop();
        three.start(); // its boot entries name epoch 1: the ledger must say the federation is there
        assertEquals(Optional.empty(), verify(three), "the ledger verifies");
        assertOrderingGoesOnWithout(f, 4);
    }

    @Test
    void aMemberThatRotatedCannotVoteAgainUnderItsNewKey() throws Exception {
        // node-1…node-3 are the primary arbiters, M = 2: node-2 votes, rotates, and votes again with its new key
        String[] id = new String[1];
        SimFederation f = rotate(fed -> {
            id[0] = fed.node(4).control(c -> c.arbiter().orElseThrow().desk().open("pay-1", "node-4", "node-1", 100, "late",
                    List.of()));
            fed.world().run(Duration.ofSeconds(1));
            fed.node(2).control(c -> {
                c.arbiter().orElseThrow().desk().vote(id[0], Decision.BUYER, "under the old key");
                return null;
            });
            fed.world().run(Duration.ofSeconds(1));
        });
        SimWorld w = f.world();
        w.run(Duration.ofSeconds(10));
        SimNode two = f.node(2);
        Envelope again = two.sign(MessageType.DISPUTE_VOTE, new DisputeVote(id[0], Decision.BUYER, "again", w.now()), w.now());
        f.bus().publish(two.topics().arbiterVote(), again, false);
        w.run(Duration.ofSeconds(3));
        for (int i : new int[] {1, 3, 4}) {
            Dispute d = f.node(i).core().arbiter().orElseThrow().dispute(id[0]).orElseThrow();
            assertEquals(DisputeStatus.OPEN, d.status(), "node-" + i + ": one member's two keys are one vote");
            assertEquals(1, d.votes().size());
        }
        assertTrue(f.node(4).metrics().protocolRejects("voted_under_another_key") > 0);
    }

    @Test
    void aFreshDataDirRefusesAnotherMembersKey() throws Exception {
        SimWorld world = new SimWorld(5, 1_800_000_000_000L);
        SimFederation f = new SimFederation(world, new io.quorumd.sim.SimBus(world, 0, 0, 0), dir,
                SimFederation.Options.fast(4).withReplicas(4));
        f.node(3).key().writeNew(dir.resolve("three.key"));
        QuorumdConfig c = f.reconfigured(2, y -> y.replace("dataDir: node-2\n", "dataDir: node-2\n  keyFile: three.key\n"));
        List<NodeIdentity.KeyFile> keys = NodeIdentity.all(c);
        KeyInForceException e = assertThrows(KeyInForceException.class,
                () -> QuorumNode.open(c, keys, Clock.systemUTC(), t -> { }, () -> { }));
        assertTrue(e.getMessage().contains(f.node(2).key().publicKey().base64()), e.getMessage());
        try (Ledger l = Ledger.open(c.node().dataDir(), f.node(2).key(), Clock.systemUTC(), 1 << 20, FsyncMode.OFF,
                EntryVisitor.NONE)) {
            assertEquals(0, l.lastSeq(), "nothing was written, and the lock is free again");
        }
    }

    /** With node-{@code down} stopped, q = 3 of 4 needs every other replica, node-2 included. */
    private static void assertOrderingGoesOnWithout(SimFederation f, int down) throws Exception {
        f.node(down).stop();
        SimNode one = f.node(1);
        String noop = one.control(c -> c.ordering().orElseThrow().propose("noop", io.quorumd.wire.Json.object(), 0));
        assertTrue(f.world().runUntil(Duration.ofSeconds(60), () -> one.core().ordering().orElseThrow().log(0).stream()
                .anyMatch(l -> l.path("requestId").asText().equals(noop))), "ordering goes on");
    }

    private static int indexOf(List<LedgerEntry> entries, EntryKind kind, int from) {
        for (int i = from; i < entries.size(); i++) {
            if (entries.get(i).kind() == kind) {
                return i;
            }
        }
        throw new AssertionError("no " + kind + " entry from " + from);
    }

    private static int lastBefore(List<LedgerEntry> entries, EntryKind kind, int before) {
        for (int i = before - 1; i >= 0; i--) {
            if (entries.get(i).kind() == kind) {
                return i;
            }
        }
        throw new AssertionError("no " + kind + " entry before " + before);
    }

    /** Cuts the ledger (one segment) right after entry {@code index}: what a crash in the next batch's write leaves. */
    private static void truncateAfter(SimNode n, int index) throws Exception {
        Path ledger = Ledger.directory(n.config().node().dataDir());
        List<Path> segments;
        try (Stream<Path> s = Files.list(ledger)) {
            segments = s.filter(p -> p.toString().endsWith(".qlog")).toList();
        }
        assertEquals(1, segments.size());
        List<Integer> sizes = new ArrayList<>();
        LedgerScanner.scan(ledger, (e, p) -> {
            sizes.add(p.length);
            return Optional.empty();
        });
        long end = SegmentFormat.HEADER_BYTES;
        for (int i = 0; i <= index; i++) {
            end += sizes.get(i) + 8;
        }
        try (FileChannel ch = FileChannel.open(segments.get(0), StandardOpenOption.WRITE)) {
            ch.truncate(end);
        }
        Files.deleteIfExists(ledger.resolve("VERIFIED"));
        assertFalse(entries(n).size() > index + 1);
    }

    private static List<LedgerEntry> entries(SimNode n) throws Exception {
        return KeyRotationTest.entries(n);
    }

    private static Optional<String> verify(SimNode n) throws Exception {
        return KeyRotationTest.verify(n);
    }
}
