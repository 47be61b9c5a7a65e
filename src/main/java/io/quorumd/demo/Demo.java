package io.quorumd.demo;

import io.quorumd.config.ConfigException;
import io.quorumd.config.ConfigLoader;
import io.quorumd.config.FederationInit;
import io.quorumd.config.NodeIdentity;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.crypto.KeyFileException;
import io.quorumd.node.QuorumNode;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default: a HiveMQ CE broker in this JVM and N nodes with their own keys, configs and data
 * dirs under one directory, exchanging signed presence with short timings until {@code duration} passes
 * or {@link #interrupt()} is called.
 */
public final class Demo {
    private static final Logger LOG = LoggerFactory.getLogger(Demo.class);

    /** One line of the closing table. */
    public record NodeSummary(String name, String id, long peersOnline, long messagesIn, long messagesOut,
                              String rejects) {
    }

    /** What the demo saw. */
    public record Summary(Path dataDir, String brokerUrl, Duration ran, Duration allOnlineAfter,
                          List<NodeSummary> nodes) {
    }

    private final int nodeCount;
    private final Duration duration;
    private final Path dataDir;
    private final CountDownLatch interrupted = new CountDownLatch(1);

    public Demo(int nodeCount, Duration duration, Path dataDir) {
        this.nodeCount = nodeCount;
        this.duration = duration;
        this.dataDir = dataDir;
    }

    public void interrupt() {
        interrupted.countDown();
    }

    public Summary run() throws IOException, KeyFileException, ConfigException, GeneralSecurityException,
            InterruptedException {
        long begin = System.nanoTime();
        LOG.atInfo().addKeyValue("nodes", nodeCount).addKeyValue("dir", dataDir).log("demo: starting embedded broker");
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir.resolve("broker"))) {
            var files = FederationInit.write(dataDir, new FederationInit.Options(nodeCount, broker.url(),
                    "quorumd/demo", true), new SecureRandom());
            List<QuorumNode> nodes = new ArrayList<>();
            try {
                for (var f : files) {
                    QuorumdConfig config = ConfigLoader.load(f.config());
                    QuorumNode node = new QuorumNode(config, NodeIdentity.load(config), Clock.systemUTC());
                    nodes.add(node);
                    node.start();
                }
                Duration allOnline = awaitAllOnline(nodes, begin);
                LOG.atInfo().addKeyValue("after_ms", allOnline.toMillis())
                        .log("demo: every node sees every other node online");
                Duration left = duration.minus(Duration.ofNanos(System.nanoTime() - begin));
                if (!left.isNegative()) {
                    interrupted.await(left.toMillis(), TimeUnit.MILLISECONDS);
                }
                List<NodeSummary> rows = new ArrayList<>();
                for (QuorumNode n : nodes) {
                    rows.add(new NodeSummary(n.name(), n.id().shortHex(), n.peersOnline(), n.metrics().messagesIn(),
                            n.metrics().messagesOut(), n.metrics().rejectSummary()));
                }
                return new Summary(dataDir, broker.url(), Duration.ofNanos(System.nanoTime() - begin), allOnline, rows);
            } finally {
                LOG.info("demo: stopping nodes");
                for (QuorumNode n : nodes) {
                    n.stop(Duration.ofSeconds(3));
                }
            }
        }
    }

    private Duration awaitAllOnline(List<QuorumNode> nodes, long begin) throws InterruptedException {
        long deadline = begin + duration.toNanos();
        while (System.nanoTime() < deadline) {
            if (nodes.stream().allMatch(n -> n.peersOnline() == nodeCount - 1)) {
                return Duration.ofNanos(System.nanoTime() - begin);
            }
            if (interrupted.await(100, TimeUnit.MILLISECONDS)) {
                break;
            }
        }
        return Duration.ofNanos(-1);
    }
}
