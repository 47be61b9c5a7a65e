package io.quorumd.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.NodeId;
import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.ledger.ScanResult;
import io.quorumd.sim.SimBus;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointSimulationTest {
    @TempDir
    Path dir;

    static String describe(SimFederation fed) {
        return fed.nodes().stream().map(n -> n.name() + "=" + n.core().checkpoints().latest().size() + "/"
                + n.core().presence().onlineCount() + " rej=" + n.metrics().rejectSummary())
                .collect(Collectors.joining(", ")) + " seed=" + fed.world().seed();
    }

    @Test
    void sevenNodesCheckpointEverySubject() throws Exception {
        SimWorld world = new SimWorld(42, 1_800_000_000_000L);
        SimBus bus = new SimBus(world, 0, 0, 50);
        SimFederation fed = new SimFederation(world, bus, dir, SimFederation.Options.fast(7));
        fed.startAll();
        boolean done = world.runUntil(Duration.ofMinutes(3), () -> fed.nodes().stream()
                .allMatch(n -> n.core().checkpoints().latest().size() == 7));
        assertTrue(done, describe(fed));
        for (SimNode n : fed.nodes()) {
            for (SimNode subject : fed.nodes()) {
                StoredCheckpoint s = n.core().checkpoints().latest(subject.id()).orElseThrow();
                assertTrue(s.checkpoint().votes().size() >= 5, n + " holds " + s.checkpoint().votes().size() + " votes");
                assertEquals(subject.id().hex(), s.checkpoint().tuple().subjectId());
            }
        }
        for (SimNode n : fed.nodes()) {
            n.stop();
            ScanResult r = LedgerScanner.scan(Ledger.directory(n.config().node().dataDir()), new FullVerifier());
            assertTrue(r.intact(), n + ": " + r);
        }
        NodeId one = fed.node(1).id();
        assertEquals(fed.node(2).core().checkpoints().latest(one).orElseThrow().checkpoint().checkpointId(),
                fed.node(3).core().checkpoints().latest(one).orElseThrow().checkpoint().checkpointId(),
                "everyone holds the same checkpoint of node-1");
    }
}
