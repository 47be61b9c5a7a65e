package io.quorumd.bench;

import io.quorumd.config.ConfigLoader;
import io.quorumd.config.NodeIdentity;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.crypto.KeyFileException;
import io.quorumd.crypto.NodeKey;
import io.quorumd.node.QuorumNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * N real nodes ({@link QuorumNode}) of one fresh federation in this JVM, on one broker under a topic prefix of
 * their own: keys and configs written under a temp directory, started in parallel, stopped on close. Node
 * {@code k} (from 1) is named {@code node-k} and has the roles {@code roles.get(k - 1)}.
 */
final class BenchFederation implements AutoCloseable {
    /** How long a bench waits for any one thing before it gives up. */
    static final Duration LIMIT = Duration.ofSeconds(120);

    final List<QuorumNode> nodes = new ArrayList<>();

    /**
     * Starts the federation and waits until every node sees every other online. {@code sections} is YAML
     * appended to every node's config (sections other than node, mqtt and federation).
     */
    BenchFederation(String brokerUrl, Path workDir, String kind, List<String> roles, String sections) throws Exception {
        Path dir = Files.createTempDirectory(workDir, kind + roles.size() + "-"); // short: control socket paths
        List<Path> configs = write(dir, brokerUrl, "quorumd-bench/" + kind + "/" + UUID.randomUUID().toString().substring(0, 8),
                roles, sections);
        ExecutorService starter = Executors.newFixedThreadPool(Math.min(16, configs.size()));
        try {
            List<Future<QuorumNode>> started = new ArrayList<>();
            for (Path c : configs) {
                started.add(starter.submit(() -> {
                    QuorumdConfig config = ConfigLoader.load(c);
                    QuorumNode node = new QuorumNode(config, NodeIdentity.load(config), Clock.systemUTC());
                    node.start();
                    return node;
                }));
            }
            for (Future<QuorumNode> s : started) {
                nodes.add(s.get(LIMIT.toSeconds(), TimeUnit.SECONDS));
            }
        } finally {
            starter.shutdownNow();
        }
        int n = nodes.size();
        await("every node sees every other online", () -> nodes.stream().allMatch(x -> x.peersOnline() == n - 1));
    }

    /** Runs {@code action} on {@code node}'s loop thread and waits for its answer. */
    static Object ask(QuorumNode node, String what, java.util.function.Function<io.quorumd.node.NodeCore, Object> action) {
        try {
            return node.ask(what, action).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(node.name() + ": " + what + ": " + e, e);
        }
    }

    @Override
    public void close() {
        for (QuorumNode x : nodes) {
            x.stop(Duration.ofSeconds(2));
        }
    }

    /** Polls {@code done} every 200 µs; an IllegalStateException naming {@code what} after {@link #LIMIT}. */
    static void await(String what, BooleanSupplier done) {
        if (!within(done)) {
            throw new IllegalStateException("not within " + LIMIT.toSeconds() + " s: " + what);
        }
    }

    /** Polls {@code done} every 200 µs for at most {@link #LIMIT}; whether it came true. */
    static boolean within(BooleanSupplier done) {
        long end = System.nanoTime() + LIMIT.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                return false;
            }
            LockSupport.parkNanos(200_000);
        }
        return true;
    }

    /**
     * Keys and one config per node under {@code dir}/node-k, with the roster of all and {@code sections} appended;
     * the config paths, node-1's first.
     */
    static List<Path> write(Path dir, String brokerUrl, String prefix, List<String> roles, String sections)
            throws IOException, KeyFileException {
        SecureRandom random = new SecureRandom();
        List<NodeKey> keys = new ArrayList<>();
        StringBuilder roster = new StringBuilder();
        for (int k = 1; k <= roles.size(); k++) {
            NodeKey key = NodeKey.generate(random);
            keys.add(key);
            roster.append("    - name: node-").append(k).append("\n      publicKey: ").append(key.publicKey().base64())
                    .append("\n      roles: [").append(roles.get(k - 1)).append("]\n");
        }
        List<Path> configs = new ArrayList<>();
        for (int k = 1; k <= roles.size(); k++) {
            Path nodeDir = Files.createDirectories(dir.resolve("node-" + k));
            keys.get(k - 1).writeNew(nodeDir.resolve("node.key"));
            Path config = nodeDir.resolve("quorumd.yaml");
            Files.writeString(config, "node:\n  name: node-" + k + "\n  keyFile: node.key\n  dataDir: data\n"
                    + "mqtt:\n  url: " + brokerUrl + "\n  topicPrefix: " + prefix + "\n"
                    + "federation:\n  name: bench\n  roster:\n" + roster + sections);
            configs.add(config);
        }
        return configs;
    }
}
