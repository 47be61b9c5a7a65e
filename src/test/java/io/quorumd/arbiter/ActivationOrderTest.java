package io.quorumd.arbiter;

import static io.quorumd.arbiter.ArbiterScenarioTest.deliver;
import static io.quorumd.arbiter.ArbiterScenarioTest.dispute;
import static io.quorumd.arbiter.ArbiterScenarioTest.fed;
import static io.quorumd.arbiter.ArbiterScenarioTest.open;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.FallbackActivation;
import io.quorumd.wire.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both parties may activate the fallback arbiters; the earliest activation stands on every node whatever
 * order the two arrive in, and so do the fallback votes signed between the two.
 */
class ActivationOrderTest {
    @TempDir
    Path dir;

    @Test
    void theEarliestActivationStandsWhateverOrderTheyArriveIn() throws Exception {
        // node-1..3 primaries (M = 3), node-4 and node-5 fallback arbiters; node-6 opens against node-1
        SimFederation f = fed(dir, 331, 7, 3, 3, 2, 10);
        // the parties' own activations stay home: the test hands out its own
        f.bus().partition((r, e) -> e.type() == MessageType.DISPUTE_FALLBACK);
        String id = open(f.node(6));
        f.world().run(Duration.ofSeconds(1));
        Dispute held = dispute(f.node(2), id);
        long midpoint = held.midpoint(60_000);
        Envelope early = f.node(6).sign(MessageType.DISPUTE_FALLBACK, new FallbackActivation(id, midpoint + 2_000),
                midpoint + 2_000);
        Envelope late = f.node(1).sign(MessageType.DISPUTE_FALLBACK, new FallbackActivation(id, midpoint + 20_000),
                midpoint + 20_000);
        Envelope between = f.node(4).sign(MessageType.DISPUTE_VOTE, new DisputeVote(id, Decision.SELLER, "f",
                midpoint + 10_000), midpoint + 10_000);
        f.world().run(Duration.ofMillis(midpoint + 25_000 - f.world().now()));
        SimNode a = f.node(2);
        SimNode b = f.node(3);
        deliver(a, late, between, early);
        deliver(b, early, between, late);
        for (SimNode n : new SimNode[] {a, b}) {
            Dispute d = dispute(n, id);
            assertEquals(early, d.fallback().orElseThrow(), n + " holds the earliest activation");
            assertTrue(d.votes().containsKey(f.node(4).id()), n + " counts the fallback vote signed after it");
        }
        assertEquals(dispute(a, id).deadline(), dispute(b, id).deadline(), "the extension applies once");
        assertEquals(1, b.metrics().protocolRejects("later_activation"));
    }

    @Test
    void anActivationDatedAheadOfTheClockIsRefused() throws Exception {
        SimFederation f = fed(dir, 332, 7, 3, 3, 2, 10);
        f.bus().partition((r, e) -> e.type() == MessageType.DISPUTE_FALLBACK);
        String id = open(f.node(6));
        f.world().run(Duration.ofSeconds(1));
        long midpoint = dispute(f.node(2), id).midpoint(60_000);
        f.world().run(Duration.ofMillis(midpoint + 1_000 - f.world().now()));
        Envelope ahead = f.node(6).sign(MessageType.DISPUTE_FALLBACK, new FallbackActivation(id, midpoint + 20_000),
                f.world().now());
        deliver(f.node(2), ahead);
        assertEquals(1, f.node(2).metrics().protocolRejects("future_activation"));
        assertTrue(dispute(f.node(2), id).fallback().isEmpty());
    }
}
