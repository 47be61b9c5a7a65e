package io.quorumd.bench;

import io.quorumd.checkpoint.StoredCheckpoint;
import io.quorumd.config.ConfigLoader;
import io.quorumd.config.NodeIdentity;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.crypto.Ed25519;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import io.quorumd.node.QuorumNode;
import io.quorumd.wire.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Checkpoint rounds of N real nodes ({@link QuorumNode}: Paho connection, inbound gate, loop thread, ledger with
 * {@code fsync: batch}) in this JVM on one broker, vote jitter 0, every member a voter, minVoters as {@code
 * federation init} writes it (min(5, N − 1)), sync off (a bench of the checkpoint round, not of catch-up).
 * <ul>
 *   <li><b>single:</b> one node proposes while the rest are idle (each in turn), timed from the proposal to the
 *       final stored at every node;</li>
 *   <li><b>cycle:</b> every node proposes at once, timed until every final is stored everywhere, with the inbound
 *       deliveries per node, the signature verifications of the whole JVM, and their floor (verifications ÷ the
 *       raw verify rate of the same run);</li>
 *   <li>the cycle again on a fresh federation whose nodes take every subject's votes, as nara broadcasts them
 *       ({@link Topics#BROADCAST_VOTES}).</li>
 * </ul>
 */
public final class CheckpointBench {
    /** One N's figures. */
    public record Line(int n, double singleP50Ms, double singleP95Ms, double singleMaxMs, double cycleMs, double floorMs,
                       double deliveriesPerNode, long verifications, double naraCycleMs, double naraDeliveriesPerNode,
                       long naraVerifications) {
        /** The line; a cycle that did not complete within the limit shows -1. */
        public String format() {
            return String.format(java.util.Locale.ROOT, "N=%d single_p50_ms=%.1f single_p95_ms=%.1f cycle_ms=%.0f"
                    + " floor_ms=%.0f deliveries_per_node=%.1f nara_deliveries_per_node=%.1f (nara_cycle_ms=%.0f)", n,
                    singleP50Ms, singleP95Ms, cycleMs, floorMs, deliveriesPerNode, naraDeliveriesPerNode, naraCycleMs);
        }
    }

    /** One cycle: how long, what each node received, what the JVM verified. */
    private record Cycle(double ms, double deliveriesPerNode, long verifications) {
    }

    private static final Duration ROUND_LIMIT = Duration.ofSeconds(120);

    private final String brokerUrl;
    private final Path workDir;
    private final int singles;
    private final double verifiesPerSecond;

    public CheckpointBench(String brokerUrl, Path workDir, int singles, double verifiesPerSecond) {
        this.brokerUrl = brokerUrl;
        this.workDir = workDir;
        this.singles = singles;
        this.verifiesPerSecond = verifiesPerSecond;
    }

    public Line run(int n) throws Exception {
        long[] single;
        Cycle cycle;
        try (Federation f = new Federation(n, false)) {
            single = new long[Math.min(singles, 3 * n)];
            for (int r = 0; r < single.length; r++) {
                single[r] = f.single(f.nodes.get(r % n));
            }
            cycle = f.cycle();
        }
        Cycle nara;
        System.setProperty(Topics.BROADCAST_VOTES, "true");
        try (Federation f = new Federation(n, true)) {
            nara = f.cycle();
        } finally {
            System.clearProperty(Topics.BROADCAST_VOTES);
        }
        java.util.Arrays.sort(single);
        return new Line(n, Stats.percentile(single, 50) / 1e6, Stats.percentile(single, 95) / 1e6,
                single[single.length - 1] / 1e6, cycle.ms(), 1000.0 * cycle.verifications() / verifiesPerSecond,
                cycle.deliveriesPerNode(), cycle.verifications(), nara.ms(), nara.deliveriesPerNode(), nara.verifications());
    }

    /** N started nodes under one topic prefix, stopped on close. */
    private final class Federation implements AutoCloseable {
        final List<QuorumNode> nodes = new ArrayList<>();

        Federation(int n, boolean nara) throws Exception {
            Path dir = Files.createTempDirectory(workDir, (nara ? "b" : "q") + n + "-"); // short: control socket paths
            List<Path> configs = write(dir, n, "quorumd-bench/checkpoint/" + UUID.randomUUID().toString().substring(0, 8));
            ExecutorService starter = Executors.newFixedThreadPool(Math.min(16, n));
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
                    nodes.add(s.get(120, TimeUnit.SECONDS));
                }
            } finally {
                starter.shutdownNow();
            }
            await("every node sees every other online", () -> nodes.stream().allMatch(x -> x.peersOnline() == n - 1));
            await("every node's boot grace is over", () -> nodes.stream().allMatch(x -> proposable(x)));
        }

        private boolean proposable(QuorumNode node) {
            try {
                return node.ask("proposable", core -> core.checkpoint().recovered() && !core.checkpoint().collecting())
                        .get(10, TimeUnit.SECONDS).equals(Boolean.TRUE);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        /** One proposal of {@code proposer}; nanoseconds until every node stored its final. */
        long single(QuorumNode proposer) throws Exception {
            Map<QuorumNode, String> before = snapshot(proposer.id());
            long t0 = System.nanoTime();
            propose(proposer);
            await("the final of " + proposer.name() + " everywhere", () -> changed(before, proposer.id()));
            return System.nanoTime() - t0;
        }

        Cycle cycle() throws Exception {
            Map<NodeId, Map<QuorumNode, String>> before = new HashMap<>();
            for (QuorumNode s : nodes) {
                before.put(s.id(), snapshot(s.id()));
            }
            long in0 = nodes.stream().mapToLong(x -> x.metrics().messagesIn()).sum();
            long v0 = Ed25519.verifications();
            long t0 = System.nanoTime();
            for (QuorumNode s : nodes) {
                propose(s);
            }
            boolean done = within(() -> before.entrySet().stream().allMatch(e -> changed(e.getValue(), e.getKey())));
            double ms = done ? (System.nanoTime() - t0) / 1e6 : -1; // -1: not every final everywhere in the limit
            long in = nodes.stream().mapToLong(x -> x.metrics().messagesIn()).sum() - in0;
            return new Cycle(ms, (double) in / nodes.size(), Ed25519.verifications() - v0);
        }

        private void propose(QuorumNode node) throws Exception {
            Object said = node.ask("checkpoint now", core -> core.checkpoint().proposeNow()).get(10, TimeUnit.SECONDS);
            if (!said.toString().startsWith("proposed")) {
                throw new IllegalStateException(node.name() + ": " + said);
            }
        }

        private Map<QuorumNode, String> snapshot(NodeId subject) {
            Map<QuorumNode, String> m = new HashMap<>();
            for (QuorumNode x : nodes) {
                StoredCheckpoint s = x.checkpoints().get(subject);
                m.put(x, s == null ? "" : s.checkpoint().checkpointId());
            }
            return m;
        }

        private boolean changed(Map<QuorumNode, String> before, NodeId subject) {
            for (QuorumNode x : nodes) {
                StoredCheckpoint s = x.checkpoints().get(subject);
                if (s == null || s.checkpoint().checkpointId().equals(before.get(x))) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void close() {
            for (QuorumNode x : nodes) {
                x.stop(Duration.ofSeconds(2));
            }
        }
    }

    /** Polls {@code done} every 200 µs; an IllegalStateException naming {@code what} after {@link #ROUND_LIMIT}. */
    private static void await(String what, BooleanSupplier done) {
        if (!within(done)) {
            throw new IllegalStateException("not within " + ROUND_LIMIT.toSeconds() + " s: " + what);
        }
    }

    /** Polls {@code done} every 200 µs for at most {@link #ROUND_LIMIT}; whether it came true. */
    private static boolean within(BooleanSupplier done) {
        long end = System.nanoTime() + ROUND_LIMIT.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                return false;
            }
            LockSupport.parkNanos(200_000);
        }
        return true;
    }

    /** Keys and one config per node: every member a voter, nothing else on. */
    private List<Path> write(Path dir, int n, String prefix) throws IOException, io.quorumd.crypto.KeyFileException {
        SecureRandom random = new SecureRandom();
        List<NodeKey> keys = new ArrayList<>();
        StringBuilder roster = new StringBuilder();
        for (int k = 1; k <= n; k++) {
            NodeKey key = NodeKey.generate(random);
            keys.add(key);
            roster.append("    - name: node-").append(k).append("\n      publicKey: ").append(key.publicKey().base64())
                    .append("\n      roles: [voter]\n");
        }
        List<Path> configs = new ArrayList<>();
        for (int k = 1; k <= n; k++) {
            Path nodeDir = Files.createDirectories(dir.resolve("node-" + k));
            keys.get(k - 1).writeNew(nodeDir.resolve("node.key"));
            Path config = nodeDir.resolve("quorumd.yaml");
            Files.writeString(config, "node:\n  name: node-" + k + "\n  keyFile: node.key\n  dataDir: data\n"
                    + "mqtt:\n  url: " + brokerUrl + "\n  topicPrefix: " + prefix + "\n"
                    + "federation:\n  name: bench\n  roster:\n" + roster
                    + "checkpoint:\n  minVoters: " + Math.min(5, n - 1) + "\n  voteJitter: 0s\n  bootGrace: 2s\n"
                    + "sync:\n  enabled: false\n");
            configs.add(config);
        }
        return configs;
    }
}
