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
                for (var f : files) {
                    nodes.add(LabNodes.startOne(f.config()));
                }
                Await.until(Duration.ofSeconds(15), () -> nodes.stream().allMatch(n -> n.peersOnline() == 1),
                        () -> describe(nodes));

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

    private static String describe(List<QuorumNode> nodes) {
        return nodes.stream().map(n -> n.name() + "{connected=" + n.connected() + ", online=" + n.peersOnline()
                + ", in=" + n.metrics().messagesIn() + "}").collect(Collectors.joining(" "));
    }
}
