package io.quorumd.bench;

import io.quorumd.checkpoint.StoredCheckpoint;
import io.quorumd.crypto.Ed25519;
import io.quorumd.crypto.NodeId;
import io.quorumd.node.QuorumNode;
import io.quorumd.wire.Topics;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
                       long naraVerifications, double votedP50Ms, double spreadP50Ms) {
        /** The line; a cycle that did not complete within the limit shows -1. */
        public String format() {
            return String.format(java.util.Locale.ROOT, "N=%d single_p50_ms=%.1f single_p95_ms=%.1f cycle_ms=%.0f"
                    + " floor_ms=%.0f deliveries_per_node=%.1f nara_deliveries_per_node=%.1f (nara_cycle_ms=%.0f;"
                    + " single = voted_p50_ms=%.1f + spread_p50_ms=%.1f)", n, singleP50Ms, singleP95Ms, cycleMs,
                    floorMs, deliveriesPerNode, naraDeliveriesPerNode, naraCycleMs, votedP50Ms, spreadP50Ms);
        }
    }

    /** One cycle: how long, what each node received, what the JVM verified. */
    private record Cycle(double ms, double deliveriesPerNode, long verifications) {
    }

    private final String brokerUrl;
    private final Path workDir;
    private final int singles;
    private final double verifiesPerSecond;
    private Path profile;

    /** Records a JFR profile (settings "profile") of the next quorumd cycle only, into {@code file}. */
    public CheckpointBench profileNextCycle(Path file) {
        this.profile = file;
        return this;
    }

    public CheckpointBench(String brokerUrl, Path workDir, int singles, double verifiesPerSecond) {
        this.brokerUrl = brokerUrl;
        this.workDir = workDir;
        this.singles = singles;
        this.verifiesPerSecond = verifiesPerSecond;
    }

    /** The figures of N nodes, with nara's topology for comparison. */
    public Line run(int n) throws Exception {
        return run(n, true);
    }

    /** The figures of N nodes; without {@code nara}, its columns are -1. */
    public Line run(int n, boolean withNara) throws Exception {
        long[] single;
        long[] voted;
        long[] spread;
        Cycle cycle;
        try (Federation f = new Federation(n, false)) {
            single = new long[Math.min(singles, 3 * n)];
            voted = new long[single.length];
            spread = new long[single.length];
            for (int r = 0; r < single.length; r++) {
                long[] t = f.single(f.nodes.get(r % n));
                voted[r] = t[0];
                single[r] = t[1];
                spread[r] = t[1] - t[0];
            }
            if (profile != null) {
                try (jdk.jfr.Recording r = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"))) {
                    r.start();
                    cycle = f.cycle();
                    r.stop();
                    r.dump(profile);
                }
                profile = null;
            } else {
                cycle = f.cycle();
            }
        }
        Cycle nara = new Cycle(-1, -1, -1);
        if (withNara) {
            System.setProperty(Topics.BROADCAST_VOTES, "true");
            try (Federation f = new Federation(n, true)) {
                nara = f.cycle();
            } finally {
                System.clearProperty(Topics.BROADCAST_VOTES);
            }
        }
        java.util.Arrays.sort(single);
        java.util.Arrays.sort(voted);
        java.util.Arrays.sort(spread);
        return new Line(n, Stats.percentile(single, 50) / 1e6, Stats.percentile(single, 95) / 1e6,
                single[single.length - 1] / 1e6, cycle.ms(), 1000.0 * cycle.verifications() / verifiesPerSecond,
                cycle.deliveriesPerNode(), cycle.verifications(), nara.ms(), nara.deliveriesPerNode(), nara.verifications(),
                Stats.percentile(voted, 50) / 1e6, Stats.percentile(spread, 50) / 1e6);
    }

    /** N voters on one broker, every one past its boot grace, stopped on close. */
    private final class Federation implements AutoCloseable {
        final BenchFederation fed;
        final List<QuorumNode> nodes;

        Federation(int n, boolean nara) throws Exception {
            fed = new BenchFederation(brokerUrl, workDir, nara ? "b" : "q", Collections.nCopies(n, "voter"),
                    "checkpoint:\n  minVoters: " + Math.min(5, n - 1) + "\n  voteJitter: 0s\n  bootGrace: 2s\n"
                    + "sync:\n  enabled: false\n");
            nodes = fed.nodes;
            BenchFederation.await("every node's boot grace is over", () -> nodes.stream().allMatch(x -> proposable(x)));
        }

        private boolean proposable(QuorumNode node) {
            return BenchFederation.ask(node, "proposable", core -> core.checkpoint().recovered()
                    && !core.checkpoint().collecting()).equals(Boolean.TRUE);
        }

        /**
         * One proposal of {@code proposer}: nanoseconds until the proposer stored its final (the vote round) and
         * until every node did.
         */
        long[] single(QuorumNode proposer) {
            Map<QuorumNode, String> before = snapshot(proposer.id());
            long t0 = System.nanoTime();
            propose(proposer);
            Map<QuorumNode, String> atProposer = Map.of(proposer, before.get(proposer));
            BenchFederation.await("the final of " + proposer.name() + " at its proposer",
                    () -> changed(atProposer, proposer.id()));
            long voted = System.nanoTime() - t0;
            BenchFederation.await("the final of " + proposer.name() + " everywhere", () -> changed(before, proposer.id()));
            return new long[] {voted, System.nanoTime() - t0};
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
            boolean done = BenchFederation.within(() -> before.entrySet().stream().allMatch(e -> changed(e.getValue(), e.getKey())));
            double ms = done ? (System.nanoTime() - t0) / 1e6 : -1; // -1: not every final everywhere in the limit
            long in = nodes.stream().mapToLong(x -> x.metrics().messagesIn()).sum() - in0;
            return new Cycle(ms, (double) in / nodes.size(), Ed25519.verifications() - v0);
        }

        private void propose(QuorumNode node) {
            Object said = BenchFederation.ask(node, "checkpoint now", core -> core.checkpoint().proposeNow());
            if (!said.toString().startsWith("proposed")) {
                throw new IllegalStateException(node.name() + ": " + said);
            }
        }

        private Map<QuorumNode, String> snapshot(NodeId subject) {
            Map<QuorumNode, String> m = new HashMap<>();
            for (QuorumNode x : nodes) {
                StoredCheckpoint s = x.checkpoint(subject);
                m.put(x, s == null ? "" : s.checkpoint().checkpointId());
            }
            return m;
        }

        /** Whether every node of {@code before} now holds a final of {@code subject} other than the one it held. */
        private boolean changed(Map<QuorumNode, String> before, NodeId subject) {
            for (Map.Entry<QuorumNode, String> e : before.entrySet()) {
                StoredCheckpoint s = e.getKey().checkpoint(subject);
                if (s == null || s.checkpoint().checkpointId().equals(e.getValue())) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void close() {
            fed.close();
        }
    }
}
