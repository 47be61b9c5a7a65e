package io.quorumd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.bench.OrderBench;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The ordering benchmark's harness once, small: four replicas in this JVM order twenty noop requests from two
 * client members through the real broker (embedded HiveMQ CE, or the one -Dquorumd.it.broker names). Checks
 * that every request is committed without a view change and that every replica executes every request; says
 * nothing about speed.
 */
class OrderBenchIT {
    static String brokerUrl;

    @RegisterExtension
    static final BeforeEachCallback BROKER = (ExtensionContext ctx) -> brokerUrl = TestBroker.url(ctx);

    @Test
    void fourReplicasCommitEveryRequest() throws Exception {
        OrderBench.Run run = new OrderBench(brokerUrl, 20, 16, java.time.Clock.systemUTC()).run(4);

        assertEquals(20, run.committed(), "requests executed at q replicas");
        assertEquals(3, run.q());
        assertEquals(0, run.viewChanges(), "view changes; refusals " + run.refusals());
        assertTrue(run.caughtUpMs() >= 0, "every replica executed every request; refusals " + run.refusals());
        assertTrue(run.seqs() >= 1 && run.seqs() <= 20, "seqs " + run.seqs());
    }
}
