package io.quorumd.bench;

import io.quorumd.arbiter.ArbiterMachine;
import io.quorumd.arbiter.Dispute;
import io.quorumd.arbiter.DisputeStatus;
import io.quorumd.node.NodeCore;
import io.quorumd.node.QuorumNode;
import io.quorumd.wire.Decision;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * Disputes from open to ruling on real nodes ({@link QuorumNode}) in this JVM on one broker: a buyer's and a
 * seller's node open disputes in turn, keeping {@code inflight} of them active; every arbiter votes on each
 * one as soon as it holds it (an operator who answers at once, polled every 200 µs through the loop thread,
 * as the control socket would), and a dispute counts as ruled when every node stores its ruling. Reported:
 * open → ruled everywhere p50/p95/max, and rulings per second over the whole run. Fallback arbiters stay
 * idle (a voting period of an hour) and sync is off: a bench of the ruling path, not of catch-up.
 */
public final class ArbiterBench {
    /** One run's figures. */
    public record Result(int arbiters, int required, int disputes, int inflight, double p50Ms, double p95Ms,
                         double maxMs, double seconds, double rulingsPerSecond) {
        public String format() {
            return String.format(Locale.ROOT, "arbiters=%d required=%d disputes=%d inflight=%d ruling_p50_ms=%.1f"
                    + " ruling_p95_ms=%.1f ruling_max_ms=%.1f seconds=%.2f rulings_per_s=%.1f",
                    arbiters, required, disputes, inflight, p50Ms, p95Ms, maxMs, seconds, rulingsPerSecond);
        }
    }

    private final String brokerUrl;
    private final Path workDir;

    public ArbiterBench(String brokerUrl, Path workDir) {
        this.brokerUrl = brokerUrl;
        this.workDir = workDir;
    }

    /** {@code inflight} is split between the two parties, each allowed that many active disputes. */
    public Result run(int arbiters, int required, int disputes, int inflight) throws Exception {
        List<String> roles = new ArrayList<>(List.of("voter", "voter"));
        for (int a = 0; a < arbiters; a++) {
            roles.add("voter, arbiter");
        }
        String sections = "checkpoint:\n  minVoters: " + Math.min(5, roles.size() - 1) + "\n"
                + "arbiter:\n  required: " + required + "\n  votingTimeout: 1h\n  maxOpenPerMember: " + inflight
                + "\nsync:\n  enabled: false\n";
        try (BenchFederation f = new BenchFederation(brokerUrl, workDir, "a", roles, sections)) {
            List<QuorumNode> parties = f.nodes.subList(0, 2);
            List<QuorumNode> panel = f.nodes.subList(2, f.nodes.size());
            Map<String, Long> open = new LinkedHashMap<>(); // id → System.nanoTime() before it was opened
            Map<String, Integer> ruledAt = new HashMap<>();
            long[] latencies = new long[disputes];
            int opened = 0;
            int ruled = 0;
            long end = System.nanoTime() + BenchFederation.LIMIT.toNanos() * Math.max(1, disputes / 100);
            long t0 = System.nanoTime();
            while (ruled < disputes) {
                while (open.size() < inflight && opened < disputes) {
                    QuorumNode by = parties.get(opened % 2);
                    long at = System.nanoTime();
                    String subject = "bench-" + opened;
                    Object id = BenchFederation.ask(by, "dispute open", core -> arbiter(core).desk().open(subject,
                            "node-1", "node-2", 100, "bench", List.of()));
                    open.put((String) id, at);
                    opened++;
                }
                Set<String> ids = Set.copyOf(open.keySet());
                for (QuorumNode a : panel) {
                    BenchFederation.ask(a, "vote", core -> voteOnHeld(arbiter(core), core.id(), ids));
                }
                ruledAt.clear();
                for (QuorumNode x : f.nodes) {
                    @SuppressWarnings("unchecked")
                    List<String> held = (List<String>) BenchFederation.ask(x, "rulings", core -> ruled(arbiter(core), ids));
                    held.forEach(id -> ruledAt.merge(id, 1, Integer::sum));
                }
                long now = System.nanoTime();
                for (Map.Entry<String, Integer> e : ruledAt.entrySet()) {
                    if (e.getValue() == f.nodes.size()) {
                        latencies[ruled++] = now - open.remove(e.getKey());
                    }
                }
                if (now > end) {
                    throw new IllegalStateException("only " + ruled + " of " + disputes + " disputes ruled everywhere in time");
                }
                LockSupport.parkNanos(200_000);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            java.util.Arrays.sort(latencies);
            return new Result(arbiters, required, disputes, inflight, Stats.percentile(latencies, 50) / 1e6,
                    Stats.percentile(latencies, 95) / 1e6, latencies[latencies.length - 1] / 1e6, seconds,
                    disputes / seconds);
        }
    }

    private static ArbiterMachine arbiter(NodeCore core) {
        return core.arbiter().orElseThrow(() -> new IllegalStateException("arbitration is off"));
    }

    /** This arbiter's votes on the disputes of {@code ids} it holds, still active and not voted on yet. */
    private static int voteOnHeld(ArbiterMachine m, io.quorumd.crypto.NodeId self, Set<String> ids) {
        int cast = 0;
        for (String id : ids) {
            Dispute d = m.dispute(id).orElse(null);
            if (d != null && d.status().active() && !d.votes().containsKey(self)) {
                m.desk().vote(id, Decision.SELLER, "bench");
                cast++;
            }
        }
        return cast;
    }

    private static List<String> ruled(ArbiterMachine m, Set<String> ids) {
        List<String> held = new ArrayList<>();
        for (String id : ids) {
            m.dispute(id).filter(d -> d.status() == DisputeStatus.RESOLVED).ifPresent(d -> held.add(id));
        }
        return held;
    }
}
