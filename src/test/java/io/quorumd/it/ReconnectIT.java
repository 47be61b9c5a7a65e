package io.quorumd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.quorumd.config.FederationInit;
import io.quorumd.node.QuorumNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker that dies and comes back empty (no persistence): nodes reconnect with backoff, subscribe
 * again, and see each other online again. Uses a private mosquitto process, never the system one.
 */
class ReconnectIT {
    @TempDir
    Path dir;

    @Test
    void nodesReconnectAndResubscribeAfterTheBrokerRestarts() throws Exception {
        assumeTrue(PrivateMosquitto.available(), "mosquitto is not installed (.ci/run installs it)");
        try (PrivateMosquitto broker = new PrivateMosquitto(Files.createDirectories(dir.resolve("broker")))) {
            broker.start();
            var files = FederationInit.write(dir.resolve("fed"), new FederationInit.Options(2, broker.url(), "qd-reconnect",
                    true), new SecureRandom());
            List<QuorumNode> nodes = new ArrayList<>();
            try {
                startAndMeet(files, nodes);

                broker.kill();
                Await.until(Duration.ofSeconds(15), () -> nodes.stream().noneMatch(QuorumNode::connected),
                        () -> describe(nodes));
                long sentBefore = nodes.get(0).metrics().messagesOut();
                broker.start();

                Await.until(Duration.ofSeconds(30), () -> nodes.stream().allMatch(QuorumNode::connected),
                        () -> describe(nodes));
                // Subscriptions died with the broker: fresh heartbeats arrive only if both subscribed again.
                long inAfterRestart = nodes.get(1).metrics().messagesIn();
                Await.until(Duration.ofSeconds(15), () -> nodes.get(1).metrics().messagesIn() > inAfterRestart + 2
                        && nodes.stream().allMatch(n -> n.peersOnline() == 1), () -> describe(nodes));
                assertEquals(1, nodes.get(0).peersOnline());
                assertEquals(true, nodes.get(0).metrics().messagesOut() > sentBefore);
            } finally {
                for (QuorumNode n : nodes) {
                    n.stop(Duration.ofSeconds(2));
                }
            }
        }
    }

    @Test
    void aConnectThatIsNeverAnsweredIsDroppedAndTriedAgain() throws Exception {
        assumeTrue(PrivateMosquitto.available(), "mosquitto is not installed (.ci/run installs it)");
        try (PrivateMosquitto broker = new PrivateMosquitto(Files.createDirectories(dir.resolve("broker")))) {
            broker.start();
            int port = Integer.parseInt(broker.url().substring(broker.url().lastIndexOf(':') + 1));
            try (TcpGate gate = new TcpGate(port)) {
                gate.open();
                var files = FederationInit.write(dir.resolve("fed"), new FederationInit.Options(2, gate.url(),
                        "qd-hung-connect", true), new SecureRandom());
                for (var f : files) {
                    Files.writeString(f.config(), Files.readString(f.config())
                            .replace("  keepAlive: 5s\n", "  keepAlive: 5s\n  connectTimeout: 1s\n"));
                }
                List<QuorumNode> nodes = new ArrayList<>();
                try {
                    startAndMeet(files, nodes);
                    // The connections drop and the next attempts reach something that accepts and never answers.
                    gate.mute();
                    gate.dropAll();
                    Await.until(Duration.ofSeconds(15), () -> nodes.stream().noneMatch(QuorumNode::connected),
                            () -> describe(nodes));
                    Await.until(Duration.ofSeconds(15), () -> gate.muted() >= 2, () -> "no attempt reached the gate");
                    gate.open();
                    // An attempt left hanging would keep a node away for good; a dropped one is tried again.
                    Await.until(Duration.ofSeconds(20), () -> nodes.stream().allMatch(QuorumNode::connected),
                            () -> describe(nodes));
                    Await.until(Duration.ofSeconds(15), () -> nodes.stream().allMatch(n -> n.peersOnline() == 1),
                            () -> describe(nodes));
                } finally {
                    for (QuorumNode n : nodes) {
                        n.stop(Duration.ofSeconds(2));
                    }
                }
            }
        }
    }

    /** Starts a node per config into {@code nodes} (so a failure still stops those started) until all see each other. */
    private static void startAndMeet(List<FederationInit.NodeFiles> files, List<QuorumNode> nodes) throws Exception {
        for (var f : files) {
            nodes.add(LabNodes.startOne(f.config()));
        }
        Await.until(Duration.ofSeconds(15), () -> nodes.stream().allMatch(n -> n.peersOnline() == files.size() - 1),
                () -> describe(nodes));
    }

    private static String describe(List<QuorumNode> nodes) {
        return nodes.stream().map(n -> n.name() + "{connected=" + n.connected() + ", online=" + n.peersOnline()
                + ", in=" + n.metrics().messagesIn() + "}").collect(Collectors.joining(" "));
    }
}
