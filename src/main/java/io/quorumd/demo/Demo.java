package io.quorumd.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.quorumd.checkpoint.StoredCheckpoint;
import io.quorumd.config.ConfigException;
import io.quorumd.config.ConfigLoader;
import io.quorumd.config.FederationInit;
import io.quorumd.config.NodeIdentity;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.crypto.KeyFileException;
import io.quorumd.crypto.NodeId;
import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.ledger.ScanResult;
import io.quorumd.node.QuorumNode;
import io.quorumd.wire.Member;
import io.quorumd.wire.Role;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default: a HiveMQ CE broker in this JVM on a free port and N nodes with their own keys,
 * configs and ledgers under one directory, with short timings. Every node checkpoints; two disputes are
 * opened and voted on through the control sockets; then the nodes stop and every ledger is verified in
 * full. Ends as soon as all that is done, or at {@code duration}, or on {@link #interrupt()}.
 */
public final class Demo {
    private static final Logger LOG = LoggerFactory.getLogger(Demo.class);

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

    public DemoReport run() throws IOException, KeyFileException, ConfigException, GeneralSecurityException,
            InterruptedException {
        long begin = System.nanoTime();
        long deadline = begin + duration.toNanos();
        LOG.atInfo().addKeyValue("nodes", nodeCount).addKeyValue("dir", dataDir).log("demo: starting embedded broker");
        List<String> missing = new ArrayList<>();
        List<QuorumNode> nodes = new ArrayList<>();
        String brokerUrl;
        List<String> disputeIds;
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir.resolve("broker"))) {
            brokerUrl = broker.url();
            // Shorter than --fast: first checkpoints after 20 s, fallback midpoint after 20 s.
            var files = FederationInit.write(dataDir, new FederationInit.Options(nodeCount, broker.url(), "quorumd/demo",
                    true).withFastTimings(Duration.ofSeconds(20), Duration.ofSeconds(40)), new SecureRandom());
            for (var f : files) {
                QuorumdConfig config = ConfigLoader.load(f.config());
                QuorumNode node = new QuorumNode(config, NodeIdentity.load(config), Clock.systemUTC());
                nodes.add(node);
                node.start();
            }
            DemoScript script = new DemoScript(nodes, deadline, () -> interrupted.getCount() == 0);
            disputeIds = script.disputeIds;
            try {
                if (!script.await("every node sees every other online",
                        () -> nodes.stream().allMatch(n -> n.peersOnline() == nodeCount - 1))) {
                    missing.add("not every node saw every peer online");
                }
                LOG.atInfo().addKeyValue("after_ms", (System.nanoTime() - begin) / 1_000_000)
                        .log("demo: every node sees every other node online");
                if (!script.await("every node caught up with its peers", () -> nodes.stream().allMatch(QuorumNode::caughtUp))) {
                    missing.add("not every node caught up with its peers");
                }
                if (nodes.get(0).config().federation().roster().members().stream()
                        .anyMatch(m -> m.has(Role.ARBITER))) {
                    step(missing, "dispute A ruled directly", script::directRuling);
                    step(missing, "dispute B ruled after fallback", script::fallbackRuling);
                }
                step(missing, "a checkpoint of every subject on every node", script::checkpointsEverywhere);
            } catch (IOException e) {
                missing.add("control call failed: " + e.getMessage());
            }
            DemoReport partial = report(nodes, disputeIds, script);
            LOG.info("demo: stopping nodes");
            for (QuorumNode n : nodes) {
                n.stop(Duration.ofSeconds(3));
            }
            return verify(partial, brokerUrl, Duration.ofNanos(System.nanoTime() - begin), missing);
        } finally {
            for (QuorumNode n : nodes) {
                n.stop(Duration.ofSeconds(1));
            }
        }
    }

    /** One scenario step, which says whether it got through. */
    @FunctionalInterface
    private interface Step {
        boolean run() throws IOException, InterruptedException;
    }

    private void step(List<String> missing, String what, Step step) throws IOException, InterruptedException {
        if (interrupted.getCount() == 0) {
            missing.add(what + " (interrupted)");
        } else if (!step.run()) {
            missing.add(what);
        }
    }

    private DemoReport report(List<QuorumNode> nodes, List<String> disputeIds, DemoScript script) {
        List<DemoReport.CheckpointRow> checkpoints = new ArrayList<>();
        QuorumNode first = nodes.get(0);
        for (Member m : first.config().federation().roster().members()) {
            NodeId subject = m.nodeId();
            StoredCheckpoint s = first.checkpoints().get(subject);
            int holding = (int) nodes.stream().filter(n -> n.checkpoints().containsKey(subject)).count();
            if (s == null) {
                checkpoints.add(new DemoReport.CheckpointRow(m.name(), "-", 0, 0, 0, 0, holding));
                continue;
            }
            var t = s.checkpoint().tuple();
            checkpoints.add(new DemoReport.CheckpointRow(m.name(), s.checkpoint().checkpointId(), t.round(),
                    t.totalUptime(), t.restarts(), s.checkpoint().votes().size() + (s.checkpoint().proposal().isPresent()
                    ? 1 : 0), holding));
        }
        List<DemoReport.DisputeRow> disputes = new ArrayList<>();
        for (String id : disputeIds) {
            JsonNode r = DemoScript.show(first, id);
            if (r == null) {
                disputes.add(new DemoReport.DisputeRow(id, "?", "unknown", "-", 0, false, 0));
                continue;
            }
            String outcome = script.status(first, id);
            int agreeing = (int) nodes.stream().filter(n -> script.status(n, id).equals(outcome)).count();
            disputes.add(new DemoReport.DisputeRow(id, r.path("subject").asText(), r.path("status").asText(),
                    r.path("decision").isNull() ? "-" : r.path("decision").asText(), r.path("votes").size(),
                    r.path("fallbackActive").asBoolean(), agreeing));
        }
        List<DemoReport.NodeRow> rows = new ArrayList<>();
        for (QuorumNode n : nodes) {
            rows.add(new DemoReport.NodeRow(n.name(), n.id().shortHex(), n.peersOnline(), n.metrics().messagesIn(),
                    n.metrics().messagesOut(), n.metrics().rejectSummary(), n.ledgerEntries(), n.ledgerBytes()));
        }
        return new DemoReport(dataDir, "", Duration.ZERO, List.of(), checkpoints, disputes, rows, 0, 0, List.of());
    }

    /** After the nodes stopped: every ledger checked as `quorumd ledger verify --full` does. */
    private DemoReport verify(DemoReport r, String brokerUrl, Duration ran, List<String> missing) throws IOException {
        int verified = 0;
        long entries = 0;
        List<String> problems = new ArrayList<>();
        for (DemoReport.NodeRow n : r.nodes()) {
            ScanResult scan = LedgerScanner.scan(Ledger.directory(dataDir.resolve(n.name()).resolve("data")),
                    new FullVerifier());
            if (scan.intact()) {
                verified++;
                entries += scan.entries();
            } else {
                problems.add(n.name() + ": " + scan.corruption().map(Object::toString)
                        .orElse("torn tail " + scan.torn().map(Object::toString).orElse("")));
            }
        }
        LOG.atInfo().addKeyValue("verified", verified).addKeyValue("of", r.nodes().size()).addKeyValue("entries", entries)
                .log("demo: ledgers verified in full");
        return new DemoReport(dataDir, brokerUrl, ran, List.copyOf(missing), r.checkpoints(), r.disputes(), r.nodes(),
                verified, entries, problems);
    }
}
