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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mqtt.url} as a list: node-1 names brokers A and B, node-2 only B. Two private mosquitto processes,
 * not bridged, stand in for the members of a cluster: node-1 first connects to A (the first listed) and so
 * does not see node-2; once A is killed (by PID) it connects to B and meets node-2 there.
 */
class BrokerFailoverIT {
    @TempDir
    Path dir;

    @Test
    void aNodeNamingTwoBrokersGoesOverToTheSecondWhenTheFirstDies() throws Exception {
        assumeTrue(PrivateMosquitto.available(), "mosquitto is not installed (.ci/run installs it)");
        try (PrivateMosquitto a = new PrivateMosquitto(Files.createDirectories(dir.resolve("a")));
             PrivateMosquitto b = new PrivateMosquitto(Files.createDirectories(dir.resolve("b")))) {
            a.start();
            b.start();
            var files = FederationInit.write(dir.resolve("fed"), new FederationInit.Options(2, b.url(), "qd-failover",
                    true), new SecureRandom());
            Path one = files.get(0).config();
            LabNodes.useBrokers(one, List.of(a.url(), b.url()));
            List<QuorumNode> nodes = new ArrayList<>();
            try {
                nodes.add(LabNodes.startOne(one));
                nodes.add(LabNodes.startOne(files.get(1).config()));
                Await.until(Duration.ofSeconds(15), () -> nodes.stream().allMatch(QuorumNode::connected), () -> "connected");
                assertEquals(0, nodes.get(0).peersOnline(), "on broker A, node-1 does not see node-2");

                a.kill();
                Duration within = nodes.get(0).config().mqtt().keepAlive().plus(nodes.get(0).config().mqtt().connectTimeout());
                Await.until(within, () -> nodes.get(0).connected() && nodes.get(0).peersOnline() == 1,
                        () -> "node-1 connected=" + nodes.get(0).connected() + " online=" + nodes.get(0).peersOnline());
                Await.until(Duration.ofSeconds(15), () -> nodes.get(1).peersOnline() == 1, () -> "node-2 sees node-1");
            } finally {
                for (QuorumNode n : nodes) {
                    n.stop(Duration.ofSeconds(2));
                }
            }
        }
    }
}
