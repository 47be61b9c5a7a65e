package io.quorumd.arbiter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.wire.Decision;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Any delivery order of the same votes gives the same outcome on every node. */
class DeliveryOrderPropertyTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {21, 22, 23, 24, 25, 26, 27, 28, 29, 30})
    void everyNodeReachesTheSameOutcome(long seed) throws Exception {
        Random rnd = new Random(seed);
        int required = 3 + rnd.nextInt(2);
        // Votes land within a few seconds of each other and the bus delays each delivery up to 4 s: every node
        // sees them in its own order.
        SimFederation f = ArbiterScenarioTest.fed(dir, seed, 7, 5, required, 1, 4000);
        assertTrue(f.awaitCaughtUp(Duration.ofMinutes(1)), "seed " + seed + ": first sync");
        String id = ArbiterScenarioTest.open(f.node(7));
        f.world().run(Duration.ofSeconds(5));
        List<Integer> voters = new ArrayList<>(List.of(1, 2, 3, 4, 5));
        Collections.shuffle(voters, rnd);
        for (int v : voters) {
            SimNode n = f.node(v);
            if (ArbiterScenarioTest.dispute(n, id).status().active()) {
                ArbiterScenarioTest.vote(n, id, rnd.nextBoolean() ? Decision.BUYER : Decision.SELLER);
            }
            f.world().run(Duration.ofMillis(rnd.nextInt(300)));
        }
        f.world().run(Duration.ofSeconds(10));
        Dispute reference = ArbiterScenarioTest.dispute(f.node(1), id);
        for (SimNode n : f.nodes()) {
            Dispute d = ArbiterScenarioTest.dispute(n, id);
            assertEquals(reference.status(), d.status(), "seed " + seed + ": " + ArbiterScenarioTest.states(f, id));
            assertEquals(reference.decision(), d.decision(), "seed " + seed + ": " + ArbiterScenarioTest.states(f, id));
        }
    }
}
