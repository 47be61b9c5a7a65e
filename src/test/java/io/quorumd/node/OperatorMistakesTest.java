package io.quorumd.node;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.arbiter.DisputeStatus;
import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.ledger.ScanResult;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.Decision;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.Heartbeat;
import io.quorumd.wire.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Operator mistakes and backdated claims on whole simulated nodes: start-up, replay, presence. */
class OperatorMistakesTest {
    @TempDir
    Path dir;

    private SimFederation arbitration(long seed, int required) throws Exception {
        SimFederation f = SimFederation.started(seed, dir,
                SimFederation.Options.arbitration(6, 4, required, 0).withClockSkew(Duration.ofSeconds(5)), 10);
        f.world().run(Duration.ofSeconds(3));
        return f;
    }

    /**
     * Operator: node-2's config is copied from node-1's and its dataDir is left pointing at node-1's data.
     * node-2 refuses to start on a ledger whose boot entries carry another key (taking another node's
     * sign-once slots and writing into its ledger would brick both), and node-1 still starts.
     */
    @Test
    void aNodeRefusesAnotherNodesDataDir() throws Exception {
        SimFederation f = arbitration(301, 3);
        SimNode one = f.node(1);
        SimNode two = f.node(2);
        one.stop();
        two.stop();
        two.reconfigure(f.reconfigured(2, y -> y.replace("dataDir: node-2", "dataDir: node-1")));
        boolean refused;
        try {
            two.start();
            refused = false;
            two.stop();
        } catch (Exception e) {
            refused = true;
        }
        Exception later = null;
        try {
            one.start();
        } catch (Exception e) {
            later = e;
        }
        assertTrue(refused, "node-2 must refuse a ledger whose first boot entry names another key; instead it started,"
                + " and node-1 now fails with: " + later);
    }

    /**
     * Operator raises arbiter.required from 2 to 3 (4 primaries) on a node that resolved a dispute 2-of-4
     * and went down before any ruling reached it. At start its ruling grace finds that the two votes it holds
     * make no ruling under today's policy: it publishes and stores nothing, and its ledger still verifies.
     */
    @Test
    void raisingRequiredWhileARulingIsPendingNeitherPublishesNorBricks() throws Exception {
        SimFederation f = arbitration(302, 2);
        SimNode x = f.node(5);
        String id = f.node(6).control(c -> c.arbiter().orElseThrow().desk().open("pay-1", "node-6", "node-1", 1, "r",
                List.of()));
        f.world().run(Duration.ofSeconds(1));
        for (int a = 1; a <= 2; a++) {
            f.node(a).control(c -> {
                c.arbiter().orElseThrow().desk().vote(id, Decision.BUYER, "r");
                return null;
            });
        }
        f.world().run(Duration.ofMillis(500)); // node-5 has both votes; its ruling grace (>= 2 s) has not ended
        assertTrue(x.core().arbiter().orElseThrow().dispute(id).orElseThrow().status() == DisputeStatus.RESOLVED);
        x.crash();
        f.world().run(Duration.ofSeconds(20)); // the others' ruling goes out while node-5 is down
        x.reconfigure(f.reconfigured(5, y -> y.replace("required: 2", "required: 3")));
        x.start();
        f.world().run(Duration.ofSeconds(20)); // node-5's grace ends: it publishes and stores a 2-vote ruling
        x.crash(); // or: stop, then the operator deletes ledger/VERIFIED as docs/operations.md says for a restore
        ScanResult verify = LedgerScanner.scan(Ledger.directory(x.config().node().dataDir()), new FullVerifier());
        assertDoesNotThrow(x::start, "node-5 must start on its own ledger after a config change");
        assertTrue(verify.intact(), "ledger verify --full: " + verify.corruption());
    }

    /**
     * A member goes offline (every peer records it), stays away ten minutes, then sends a heartbeat of a "new
     * run" whose signed start time lies just after its previous run's start. Peers count the new run from
     * when they saw it, not from the claimed start: the outage they observed stays an outage.
     */
    @Test
    void aBackdatedRunStartDoesNotInflateUptimeOverAnObservedOutage() throws Exception {
        SimFederation f = SimFederation.started(303, dir, SimFederation.Options.fast(5), 5);
        SimWorld world = f.world();
        world.run(Duration.ofSeconds(20));
        SimNode hostile = f.node(5);
        long firstRun = hostile.core().presence().startedAt();
        hostile.crash(); // last will: offline observed by all
        world.run(Duration.ofMinutes(10));
        long now = world.now();
        Envelope hb = hostile.sign(MessageType.PRESENCE_HEARTBEAT, new Heartbeat(firstRun + 1, 0), now);
        f.bus().publish(hostile.topics().presence(hostile.id()), hb, true);
        world.run(Duration.ofMillis(100));
        SimNode peer = f.node(1);
        long derived = peer.core().history().derive(hostile.id(), null, world.now()).totalUptime();
        long observedUp = 20 + 1; // seconds it was actually heard online, roughly
        assertTrue(derived <= observedUp + 5, "node-1 credits node-5 with " + derived + " s of uptime, though it"
                + " observed it offline for 600 s and online for ~" + observedUp + " s");
    }
}
