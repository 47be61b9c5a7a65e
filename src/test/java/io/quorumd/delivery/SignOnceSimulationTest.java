package io.quorumd.delivery;

import static io.quorumd.delivery.ResponderScenarioTest.arb;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.arbiter.Dispute;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sign once across lost disks (DESIGN §2, §13), as a seeded simulation: arbiters vote on random disputes,
 * one at a time an arbiter loses its data dir and comes back with the same key, sync pages may be dropped,
 * and every arbiter keeps trying to vote — for either side — on every dispute it sees. Invariant: no key
 * ever signs two different decisions on one dispute. A failure names its seed and replays from it.
 */
class SignOnceSimulationTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {301, 302, 303, 304, 305, 306})
    void noKeySignsTwoDecisionsOnOneDisputeWhateverItsDiskLoses(long seed) throws Exception {
        Random rnd = new Random(seed);
        SimFederation f = SimFederation.started(seed, dir, SimFederation.Options.fast(7).withArbiters(
                new SimFederation.Arbiters(5, 4, 0, Duration.ofMinutes(10), Duration.ofMinutes(5)))
                .withClockSkew(Duration.ofSeconds(30)).withYaml("sync:\n  timeout: 2s\n"), 200);
        assertTrue(f.awaitCaughtUp(Duration.ofSeconds(30)), "seed " + seed + ": first sync");
        List<String> disputes = new ArrayList<>();
        List<Envelope> opens = new ArrayList<>();
        double dropPages = 0.3 * rnd.nextDouble();
        f.bus().partition((r, e) -> e.type() == MessageType.SYNC_RESPONSE && rnd.nextDouble() < dropPages);
        for (int step = 0; step < 60; step++) {
            int action = rnd.nextInt(10);
            if (action <= 2 || disputes.isEmpty()) {
                SimNode opener = f.node(6 + rnd.nextInt(2));
                String seller = opener.name().equals("node-7") ? "node-6" : "node-7";
                try {
                    disputes.add(opener.control(c -> c.arbiter().orElseThrow().desk().open("s" + disputes.size(),
                            opener.name(), seller, 1, "x", List.of())));
                    opens.add(opener.published().get(opener.published().size() - 1));
                } catch (IllegalArgumentException capReached) {
                    // maxOpenPerMember: it waits for one to end
                }
            } else if (action == 3) {
                SimNode lost = f.node(1 + rnd.nextInt(5));
                lost.crash();
                lost.wipeDataDir();
                f.world().run(Duration.ofMillis(rnd.nextInt(3000)));
                lost.start();
                // what a persistent broker session hands over at once: the recent opens, live, before any sync
                for (Envelope open : opens) {
                    lost.receiveRaw(lost.topics().arbiterPropose(), open.encode());
                }
                for (String id : disputes) { // and its operator votes again at once, either way
                    tryVote(lost, id, rnd.nextBoolean() ? Decision.BUYER : Decision.SELLER);
                }
            } else {
                SimNode arbiter = f.node(1 + rnd.nextInt(5));
                String id = disputes.get(Math.max(0, disputes.size() - 1 - rnd.nextInt(3)));
                if (arbiter.up()) {
                    tryVote(arbiter, id, rnd.nextBoolean() ? Decision.BUYER : Decision.SELLER);
                }
            }
            f.world().run(Duration.ofMillis(200 + rnd.nextInt(4000)));
        }
        f.bus().partition((r, e) -> false);
        f.world().run(Duration.ofSeconds(30));
        for (int a = 1; a <= 5; a++) {
            Map<String, Set<Decision>> signed = new HashMap<>();
            for (Envelope e : f.node(a).published()) {
                if (e.type() == MessageType.DISPUTE_VOTE) {
                    DisputeVote v = (DisputeVote) e.body();
                    signed.computeIfAbsent(v.disputeId(), k -> new HashSet<>()).add(v.decision());
                }
            }
            int node = a;
            signed.forEach((id, decisions) -> assertTrue(decisions.size() == 1, "seed " + seed + ": node-" + node
                    + " signed " + decisions + " on " + id));
        }
        long voted = f.nodes().stream().flatMap(n -> n.published().stream())
                .filter(e -> e.type() == MessageType.DISPUTE_VOTE).count();
        assertTrue(voted > 0, "seed " + seed + ": the run signed votes at all");
    }

    private static void tryVote(SimNode n, String id, Decision d) {
        try {
            n.control(c -> {
                Dispute held = arb(n).dispute(id).orElse(null);
                if (held != null && held.status().active()) {
                    c.arbiter().orElseThrow().desk().vote(id, d, "r");
                }
                return null;
            });
        } catch (IllegalArgumentException e) {
            // refused (already voted, catching up, not open here): what an operator would be told
        }
    }
}
