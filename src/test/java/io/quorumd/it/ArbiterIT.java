package io.quorumd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.arbiter.Dispute;
import io.quorumd.arbiter.DisputeStatus;
import io.quorumd.config.FederationInit;
import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.node.QuorumNode;
import io.quorumd.wire.Decision;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Seven nodes on a real broker: a dispute opened on node-7, three primaries vote, all seven rule within 2 s. */
class ArbiterIT {
    static String brokerUrl;

    @RegisterExtension
    static final BeforeEachCallback BROKER = (ExtensionContext ctx) -> brokerUrl = TestBroker.url(ctx);

    @TempDir
    Path dir;

    private static Object on(QuorumNode n, java.util.function.Function<io.quorumd.arbiter.ArbiterMachine, Object> f)
            throws Exception {
        return n.ask("test", c -> f.apply(c.arbiter().orElseThrow())).get(5, TimeUnit.SECONDS);
    }

    @Test
    void disputeOpenedOnOneNodeIsRuledOnAllSeven() throws Exception {
        var files = FederationInit.write(dir, new FederationInit.Options(7, brokerUrl,
                "quorumd-it/arb-" + UUID.randomUUID().toString().substring(0, 8), true), new SecureRandom());
        List<QuorumNode> nodes = new ArrayList<>();
        try {
            for (var f : files) {
                nodes.add(LabNodes.startOne(f.config()));
            }
            Await.until(Duration.ofSeconds(20), () -> nodes.stream().allMatch(n -> n.peersOnline() == 6), () -> "online");
            Await.until(Duration.ofSeconds(20), () -> nodes.stream().allMatch(QuorumNode::caughtUp), () -> "caught up");
            String id = (String) on(nodes.get(6), a -> a.desk().open("pay-7", "node-7", "node-6", 1500, "not delivered", List.of()));
            Await.until(Duration.ofSeconds(10), () -> nodes.stream().allMatch(n -> !Arbitration.status(n, id).equals("unknown")),
                    () -> nodes.stream().map(n -> Arbitration.status(n, id)).collect(Collectors.joining(",")));
            Arbitration.vote(nodes.get(0), id, Decision.SELLER, "proof of delivery");
            Arbitration.vote(nodes.get(1), id, Decision.SELLER, "agree");
            Arbitration.vote(nodes.get(2), id, Decision.SELLER, "agree too");
            long third = System.nanoTime();
            Await.until(Duration.ofSeconds(2), () -> nodes.stream().allMatch(n -> Arbitration.status(n, id).equals("RESOLVED/SELLER")),
                    () -> nodes.stream().map(n -> Arbitration.status(n, id)).collect(Collectors.joining(",")) + " on "
                            + TestBroker.describe());
            System.out.println("ArbiterIT: all 7 RESOLVED " + (System.nanoTime() - third) / 1_000_000 + " ms after the third vote");
            Await.until(Duration.ofSeconds(20), () -> nodes.stream().allMatch(n -> {
                try {
                    return (Boolean) on(n, a -> a.dispute(id).flatMap(Dispute::ruling).isPresent());
                } catch (Exception e) {
                    return false;
                }
            }), () -> "every node stores the ruling");
            assertEquals(DisputeStatus.RESOLVED, on(nodes.get(5), a -> a.dispute(id).orElseThrow().status()));
        } finally {
            for (QuorumNode n : nodes) {
                n.stop(Duration.ofSeconds(3));
            }
        }
        for (QuorumNode n : nodes) {
            var r = LedgerScanner.scan(Ledger.directory(n.config().node().dataDir()), new FullVerifier());
            assertTrue(r.intact(), n.name() + ": " + r);
        }
    }
}
