package io.quorumd.checkpoint;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.sim.SimBus;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 50 nodes, 10% loss, 3 simulated days; and the same federation with nara's broadcast votes, for the count. */
class CheckpointScaleTest {
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final long START = 1_800_000_000_000L;

    @TempDir
    Path dir;

    private static SimFederation.Options daily(int n) {
        // The responder's re-publications are left out: this measures the checkpoint protocol's own fan-out.
        return new SimFederation.Options(n, 5, Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofHours(24),
                Duration.ofMinutes(15), Duration.ofSeconds(60), Duration.ofSeconds(3), Duration.ofMinutes(20))
                .withYaml("responder:\n  enabled: false\n");
    }

    @Test
    void fiftyNodesWithTenPercentLossCheckpointEverySubjectEveryDay() throws Exception {
        long seed = 2026;
        SimWorld world = new SimWorld(seed, START);
        SimBus bus = new SimBus(world, 0.10, 0.0, 200);
        SimFederation fed = new SimFederation(world, bus, dir, daily(50));
        fed.startAll();
        world.run(Duration.ofDays(3).plusHours(2));
        int n = fed.nodes().size();
        for (SimNode subject : fed.nodes()) {
            TreeSet<Long> days = new TreeSet<>();
            subject.published().stream().filter(e -> e.type() == MessageType.CHECKPOINT_FINAL)
                    .forEach(e -> days.add((((CheckpointFinal) e.body()).tuple().asOf() - START) / DAY));
            assertTrue(days.containsAll(java.util.List.of(1L, 2L, 3L)),
                    "seed " + seed + ": " + subject + " checkpointed on days " + days);
        }
        long worst = 0;
        long total = 0;
        for (SimNode node : fed.nodes()) {
            long perCycle = fed.checkpointDeliveries(node) / 3;
            worst = Math.max(worst, perCycle);
            total += perCycle;
        }
        System.out.printf("fan-out per-subject topics: N=%d, checkpoint deliveries per node per cycle: mean %d, max %d"
                + " (3N = %d)%n", n, total / n, worst, 3 * n);
        assertTrue(worst <= 3L * n, "max " + worst + " deliveries per node per cycle exceeds 3N = " + 3 * n);
    }

    @Test
    void naraBroadcastVotesCostEveryNodeEveryVote() throws Exception {
        SimWorld world = new SimWorld(7, START);
        SimBus bus = new SimBus(world, 0.0, 0.0, 200);
        SimFederation fed = new SimFederation(world, bus, dir, daily(50));
        fed.nodes().forEach(SimNode::broadcastVotes);
        fed.startAll();
        world.run(Duration.ofDays(1).plusHours(2));
        int n = fed.nodes().size();
        long worst = 0;
        long total = 0;
        for (SimNode node : fed.nodes()) {
            long perCycle = fed.checkpointDeliveries(node);
            worst = Math.max(worst, perCycle);
            total += perCycle;
        }
        System.out.printf("fan-out broadcast votes (nara): N=%d, checkpoint deliveries per node per cycle: mean %d, max %d"
                + " (N^2 = %d)%n", n, total / n, worst, n * n);
        assertTrue(total / n > (long) (n - 1) * (n - 1), "broadcast votes reach every node: mean " + total / n);
    }
}
