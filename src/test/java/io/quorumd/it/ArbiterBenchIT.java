package io.quorumd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.bench.ArbiterBench;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The arbiter benchmark's harness once, small: three arbiters (M = 2) and two parties, real nodes in this JVM
 * through the real broker, rule 12 disputes with 4 in flight, so the parties' limit of active disputes is met
 * and freed again. Checks what the figures count, not speed.
 */
class ArbiterBenchIT {
    static String brokerUrl;

    @RegisterExtension
    static final BeforeEachCallback BROKER = (ExtensionContext ctx) -> brokerUrl = TestBroker.url(ctx);

    @TempDir
    Path dir;

    @Test
    void twelveDisputesAreRuledEverywhereWithFourInFlight() throws Exception {
        ArbiterBench.Result r = new ArbiterBench(brokerUrl, dir).run(3, 2, 12, 4);

        assertEquals(12, r.disputes());
        assertTrue(r.p50Ms() > 0 && r.p50Ms() <= r.p95Ms() && r.p95Ms() <= r.maxMs(), r.format());
        assertTrue(r.seconds() > 0 && r.rulingsPerSecond() > 0, r.format());
        assertEquals(12 / r.seconds(), r.rulingsPerSecond(), 1e-9, r.format());
    }
}
