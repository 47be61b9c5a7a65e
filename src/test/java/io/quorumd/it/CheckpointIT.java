package io.quorumd.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.config.FederationInit;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.ledger.ScanResult;
import io.quorumd.node.QuorumNode;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Seven nodes in one JVM on a real broker, --fast timings with an 8 s interval: a checkpoint of every subject. */
class CheckpointIT {
    static String brokerUrl;

    @RegisterExtension
    static final BeforeEachCallback BROKER = (ExtensionContext ctx) -> brokerUrl = TestBroker.url(ctx);

    @TempDir
    Path dir;

    @Test
    void sevenNodesStoreAVerifiedCheckpointOfEverySubject() throws Exception {
        var files = FederationInit.write(dir, new FederationInit.Options(7, brokerUrl,
                "quorumd-it/cp-" + UUID.randomUUID().toString().substring(0, 8), true)
                .withFastTimings(Duration.ofSeconds(8), Duration.ofSeconds(60)), new SecureRandom());
        List<QuorumNode> nodes = new ArrayList<>();
        try {
            for (var f : files) {
                nodes.add(LabNodes.startOne(f.config()));
            }
            LabNodes.awaitCheckpointOfEverySubject(Duration.ofSeconds(60), nodes);
        } finally {
            for (QuorumNode n : nodes) {
                n.stop(Duration.ofSeconds(3));
            }
        }
        for (QuorumNode n : nodes) {
            long[] checkpoints = {0};
            FullVerifier full = new FullVerifier();
            ScanResult r = LedgerScanner.scan(Ledger.directory(n.config().node().dataDir()), (e, p) -> {
                if (e.kind() == EntryKind.CHECKPOINT) {
                    checkpoints[0]++;
                }
                return full.visit(e, p);
            });
            assertTrue(r.intact(), n.name() + ": " + r);
            assertTrue(checkpoints[0] >= 7, n.name() + " has " + checkpoints[0] + " checkpoint entries");
        }
    }
}
