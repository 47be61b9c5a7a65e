package io.quorumd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.arbiter.Dispute;
import io.quorumd.arbiter.DisputeStatus;
import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.Decision;
import io.quorumd.wire.RejectReason;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator's roster change: five nodes with checkpoints and a ruling that carry node-5's signatures;
 * node-2 is stopped, node-5 is removed from its roster and minVoters lowered from 4 to 3; node-2 must start
 * and keep running, its history judged by the roster it was stored under.
 */
class RosterChangeTest {
    @TempDir
    Path dir;

    @Test
    void aRosterChangeDoesNotBrickANode() throws Exception {
        SimFederation f = SimFederation.started(71, dir, SimFederation.Options.fast(5)
                .withArbiters(new SimFederation.Arbiters(5, 3, 0, Duration.ofSeconds(60), Duration.ofSeconds(30))), 20);
        SimWorld world = f.world();
        SimNode two = f.node(2);
        assertTrue(world.runUntil(Duration.ofMinutes(3), () -> two.core().checkpoints().latest().size() == 5),
                "node-2 stores a checkpoint of every subject, seed " + world.seed());
        String id = f.node(1).control(c -> c.arbiter().orElseThrow().desk().open("pay-1", "node-1", "node-2", 5, "r",
                List.of()));
        world.run(Duration.ofSeconds(1));
        for (int a = 3; a <= 5; a++) {
            int arbiter = a;
            f.node(a).control(c -> {
                c.arbiter().orElseThrow().desk().vote(id, Decision.SELLER, "node-" + arbiter);
                return null;
            });
        }
        world.run(Duration.ofSeconds(10));
        assertTrue(two.core().arbiter().orElseThrow().dispute(id).orElseThrow().ruling().isPresent());
        int checkpointsBefore = two.core().checkpoints().latest().size();

        two.stop();
        two.reconfigure(f.reconfigured(2, y -> SimFederation.withoutMember("node-5").apply(y)
                .replace("minVoters: 4", "minVoters: 3")));
        assertEquals(4, two.config().federation().roster().size());
        two.start(); // the landed code refused here: "seq N: vote from <node-5>: unknown_sender"

        assertEquals(checkpointsBefore, two.core().checkpoints().latest().size(), "every stored checkpoint came back");
        Dispute d = two.core().arbiter().orElseThrow().dispute(id).orElseThrow();
        assertEquals(DisputeStatus.RESOLVED, d.status());
        assertTrue(d.votes().containsKey(f.node(5).id()), "node-5's vote counted as it did when stored");
        world.run(Duration.ofSeconds(60));
        assertTrue(two.up(), "and it keeps running");
        assertTrue(two.metrics().rejects(RejectReason.UNKNOWN_SENDER) > 0, "node-5's new messages are refused live");
        assertEquals(Optional.of(Decision.SELLER), d.decision());
        two.stop();
        assertTrue(LedgerScanner.scan(Ledger.directory(two.config().node().dataDir()), new FullVerifier()).intact(),
                "ledger verify --full agrees");
    }
}
