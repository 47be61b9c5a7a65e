package io.quorumd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.quorumd.config.ConfigLoader;
import io.quorumd.config.FederationInit;
import io.quorumd.config.QuorumdConfig.MqttSection;
import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.node.QuorumNode;
import io.quorumd.wire.Decision;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Five nodes on a private three-server NATS cluster (JetStream, MQTT), spread over its members: node-i names
 * every member in {@code mqtt.url}, member i mod 3 first. Presence, a checkpoint of every subject and a ruling
 * all cross servers; then the server node-1 (and node-4) use is killed by PID: node-1 is on another member
 * within {@code keepAlive} + {@code connectTimeout}, and a dispute it opens afterwards is ruled on every node.
 * Skipped where nats-server is not installed, and in the leg that re-runs the suite against another broker.
 */
class NatsClusterIT {
    private static final int NODES = 5;
    private static final int SERVERS = 3;

    @TempDir
    Path dir;

    @Test
    void aFederationSpreadOverANatsClusterOutlivesTheServerOfANode() throws Exception {
        assumeTrue(TestBroker.isDefault(), "brings its own NATS cluster and ran in the first leg; not re-run against "
                + TestBroker.describe());
        assumeTrue(PrivateNatsCluster.available(), "nats-server is not installed (.ci/run installs it)");
        long began = System.nanoTime();
        try (PrivateNatsCluster nats = new PrivateNatsCluster(Files.createDirectories(dir.resolve("nats")), SERVERS)) {
            nats.start(Duration.ofSeconds(30));
            log("cluster formed and taking MQTT clients", began);
            var files = FederationInit.write(dir.resolve("fed"), new FederationInit.Options(NODES, nats.mqttUrl(0),
                    "quorumd-it/nats-" + UUID.randomUUID().toString().substring(0, 8), true)
                    .withFastTimings(Duration.ofSeconds(8), Duration.ofSeconds(60)), new SecureRandom());
            for (int i = 1; i <= NODES; i++) {
                LabNodes.useBrokers(files.get(i - 1).config(), nats.mqttUrlsFrom(i % SERVERS));
            }
            List<QuorumNode> nodes = new ArrayList<>();
            try {
                for (var f : files) {
                    nodes.add(LabNodes.startOne(f.config()));
                }
                List<String> clientIds = new ArrayList<>();
                for (int i = 1; i <= NODES; i++) {
                    MqttSection mqtt = nodes.get(i - 1).config().mqtt();
                    assertEquals(nats.mqttUrlsFrom(i % SERVERS), mqtt.urls(),
                            "node-" + i + " lists every member, its own first");
                    assertEquals(mqtt.clientId(), ConfigLoader.load(files.get(i - 1).config()).mqtt().clientId(),
                            "node-" + i + "'s client id is the same on every load (derived from its key)");
                    assertTrue(mqtt.clientId().length() <= 23,
                            mqtt.clientId() + ": longer than MQTT 3.1.1 brokers must take");
                    clientIds.add(mqtt.clientId());
                }
                assertEquals(NODES, new HashSet<>(clientIds).size(), "one client id per node: " + clientIds);

                LabNodes.awaitAllOnline(Duration.ofSeconds(30), nodes);
                for (int i = 1; i <= NODES; i++) {
                    String id = clientIds.get(i - 1);
                    String expected = nats.name(i % SERVERS);
                    Await.until(Duration.ofSeconds(5), () -> nats.membersWithMqttClient(id).equals(List.of(expected)),
                            () -> id + " connected on " + nats.membersWithMqttClient(id) + ", not only on " + expected);
                }
                log("every node online, each on its own first member", began);
                Await.until(Duration.ofSeconds(20), () -> nodes.stream().allMatch(QuorumNode::caughtUp),
                        () -> "caught up");
                LabNodes.awaitCheckpointOfEverySubject(Duration.ofSeconds(60), nodes);
                log("a checkpoint of every subject on every node", began);
                rule(nodes, nodes.get(4), "node-4", List.of(nodes.get(0), nodes.get(1), nodes.get(2)), "before");
                log("a ruling on every node", began);

                QuorumNode one = nodes.get(0);
                String oneId = clientIds.get(0);
                int itsServer = 1 % SERVERS;
                String dead = nats.name(itsServer);
                Duration within = one.config().mqtt().keepAlive().plus(one.config().mqtt().connectTimeout());
                long pid = nats.pid(itsServer);
                nats.kill(itsServer);
                long killed = System.nanoTime();
                Await.until(within, () -> one.connected() && !nats.membersWithMqttClient(oneId).isEmpty(),
                        () -> "node-1 connected=" + one.connected() + " on " + nats.membersWithMqttClient(oneId)
                                + "; JetStream " + nats.metaSummary() + survivorsLogs(nats, itsServer));
                List<String> on = nats.membersWithMqttClient(oneId);
                assertEquals(1, on.size(), oneId + " on " + on);
                assertFalse(on.contains(dead), on.toString());
                System.out.println("NatsClusterIT: " + dead + " (pid " + pid + ") killed; node-1 connected to "
                        + on.get(0) + " " + (System.nanoTime() - killed) / 1_000_000 + " ms later (allowed "
                        + within.toMillis() + " ms)");

                LabNodes.awaitAllOnline(Duration.ofSeconds(30), nodes);
                rule(nodes, one, "node-5", List.of(nodes.get(1), nodes.get(2), nodes.get(3)), "after");
                log("a dispute node-1 opened after the kill ruled on every node", began);
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
        log("done", began);
    }

    /** Opens a dispute on {@code buyer}, has three primaries vote, and waits until every node holds the ruling. */
    private static void rule(List<QuorumNode> nodes, QuorumNode buyer, String seller, List<QuorumNode> voters, String tag)
            throws Exception {
        String id = Arbitration.open(buyer, "pay-" + tag, seller);
        Await.until(Duration.ofSeconds(15),
                () -> voters.stream().noneMatch(n -> Arbitration.status(n, id).equals("unknown")),
                () -> id + " not yet known: " + voters.stream().map(n -> n.name() + "=" + Arbitration.status(n, id))
                        .toList());
        for (QuorumNode v : voters) {
            Arbitration.vote(v, id, Decision.SELLER, "delivered (" + v.name() + ")");
        }
        Arbitration.awaitRuled(Duration.ofSeconds(20), id, Decision.SELLER, nodes);
    }

    /** The last lines of every member's log but {@code dead}'s, for a failure message. */
    private static String survivorsLogs(PrivateNatsCluster nats, int dead) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < nats.size(); i++) {
            if (i != dead) {
                out.append("\n--- ").append(nats.name(i)).append(" log:\n").append(nats.logTail(i, 20));
            }
        }
        return out.toString();
    }

    private static void log(String what, long began) {
        System.out.println("NatsClusterIT: " + what + " at " + (System.nanoTime() - began) / 1_000_000 + " ms");
    }
}
