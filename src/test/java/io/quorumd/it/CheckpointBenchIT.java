package io.quorumd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.bench.CheckpointBench;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkpoint benchmark's harness once, small: five real nodes in this JVM through the real broker (embedded
 * HiveMQ CE, or the one -Dquorumd.it.broker names) complete single rounds and a cycle, in both vote topologies.
 * Checks what the figures count, not speed: a cycle's finals reach every node, nara's broadcast votes cost every
 * node more deliveries and the JVM more verifications than votes sent to the proposer alone.
 */
class CheckpointBenchIT {
    static String brokerUrl;

    @RegisterExtension
    static final BeforeEachCallback BROKER = (ExtensionContext ctx) -> brokerUrl = TestBroker.url(ctx);

    @TempDir
    Path dir;

    @Test
    void fiveNodesCompleteSingleRoundsAndACycleInBothTopologies() throws Exception {
        CheckpointBench.Line l = new CheckpointBench(brokerUrl, dir, 5, 8_000).run(5);

        assertEquals(5, l.n());
        assertTrue(l.singleP50Ms() > 0 && l.singleP50Ms() <= l.singleP95Ms() && l.singleP95Ms() <= l.singleMaxMs(),
                l.format());
        assertTrue(l.cycleMs() > 0 && l.naraCycleMs() > 0, l.format());
        // the proposer stores its final before the last node does, round by round
        assertTrue(l.votedP50Ms() > 0 && l.votedP50Ms() <= l.singleP50Ms() && l.spreadP50Ms() >= 0, l.format());
        // each node takes at least the 5 proposals and 5 finals of a cycle (its own echoed back included)
        assertTrue(l.deliveriesPerNode() >= 10, l.format());
        assertTrue(l.naraDeliveriesPerNode() > l.deliveriesPerNode(), l.format());
        assertTrue(l.naraVerifications() > l.verifications(), l.naraVerifications() + " vs " + l.verifications());
        assertEquals(1000.0 * l.verifications() / 8_000, l.floorMs(), 1e-6);
    }
}
