package io.quorumd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.quorumd.config.FederationInit;
import io.quorumd.node.QuorumNode;
import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.CheckpointProposal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Five nodes on a private mosquitto that is killed by PID and started again on the same port: the outage is no
 * one's downtime, so every node's next checkpoint carries the proposer's own uptime, settled in round 1 with the
 * proposal. The uptime tolerance is 5 s here (60 s by default), so an outage counted against the peers would
 * make the votes disagree.
 */
class BrokerOutageUptimeIT {
    private static final Duration OUTAGE = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    @Test
    void aBrokerOutageIsNoNodesDowntime() throws Exception {
        assumeTrue(PrivateMosquitto.available(), "mosquitto is not installed (.ci/run installs it)");
        try (PrivateMosquitto broker = new PrivateMosquitto(Files.createDirectories(dir.resolve("broker")))) {
            broker.start();
            var files = FederationInit.write(dir.resolve("fed"), new FederationInit.Options(5, broker.url(),
                    "qd-outage-uptime", true).withFastTimings(Duration.ofSeconds(8), Duration.ofSeconds(60)),
                    new SecureRandom());
            for (var f : files) {
                String yaml = Files.readString(f.config());
                assertTrue(yaml.contains("  keepAlive: 5s\n") && yaml.contains("checkpoint:\n  minVoters: 4\n"), yaml);
                Files.writeString(f.config(), yaml.replace("  keepAlive: 5s\n", "  keepAlive: 5s\n  reconnectMax: 1s\n")
                        .replace("checkpoint:\n  minVoters: 4\n", "checkpoint:\n  minVoters: 4\n  tolerance:\n    uptime: 5s\n"));
            }
            long began = System.currentTimeMillis();
            List<QuorumNode> nodes = new ArrayList<>();
            try {
                for (var f : files) {
                    nodes.add(LabNodes.startOne(f.config()));
                }
                Await.until(Duration.ofSeconds(30), () -> nodes.stream().allMatch(n -> n.peersOnline() == 4),
                        () -> online(nodes));

                broker.kill();
                long killed = System.nanoTime();
                // Every node finds itself cut off (no own heartbeat back for offlineAfter, 4 s), then the outage lasts.
                Await.until(OUTAGE.plusSeconds(10), () -> nodes.stream().allMatch(n -> n.peersOnline() == 0)
                        && System.nanoTime() - killed > OUTAGE.toNanos(), () -> online(nodes));
                broker.start();
                long healed = System.currentTimeMillis();
                Await.until(Duration.ofSeconds(30), () -> nodes.stream().allMatch(n -> n.connected() && n.peersOnline() == 4),
                        () -> online(nodes));
                Await.until(Duration.ofSeconds(60), () -> nodes.stream().allMatch(n -> ownFinal(n, healed).isPresent()),
                        () -> nodes.stream().map(n -> n.name() + "=" + ownFinal(n, healed).map(f -> "yes").orElse("none")
                                + " rej=" + n.metrics().rejectSummary()).collect(Collectors.joining(", ")));
                for (QuorumNode n : nodes) {
                    CheckpointFinal fin = ownFinal(n, healed).orElseThrow();
                    assertEquals(1, fin.tuple().round(), n.name() + ": " + fin.tuple());
                    assertTrue(fin.proposal().isPresent(), n.name() + ": the votes carry the proposer's own values");
                    assertEquals(fin.tuple(), ((CheckpointProposal) fin.proposal().get().body()).tuple());
                    long elapsed = (fin.tuple().asOf() - began) / 1000;
                    assertTrue(fin.tuple().totalUptime() >= elapsed - 10, n.name() + ": the outage is not downtime: "
                            + fin.tuple() + " " + elapsed + " s after the test began");
                }
            } finally {
                for (QuorumNode n : nodes) {
                    n.stop(Duration.ofSeconds(2));
                }
            }
        }
    }

    private static Optional<CheckpointFinal> ownFinal(QuorumNode n, long after) {
        return Optional.ofNullable(n.checkpoint(n.id())).map(s -> s.checkpoint()).filter(f -> f.tuple().asOf() >= after);
    }

    private static String online(List<QuorumNode> nodes) {
        return nodes.stream().map(n -> n.name() + " connected=" + n.connected() + " online=" + n.peersOnline())
                .collect(Collectors.joining(", "));
    }
}
