package io.quorumd.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.quorumd.checkpoint.StoredCheckpoint;
import io.quorumd.config.ConfigException;
import io.quorumd.config.FederationInit;
import io.quorumd.crypto.KeyFileException;
import io.quorumd.crypto.NodeId;
import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.ledger.ScanResult;
import io.quorumd.node.QuorumNode;
import io.quorumd.wire.Member;
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
 * The embedded default: a HiveMQ CE broker in this JVM on a free port and N nodes with their own keys, configs and
 * ledgers under one directory, with short timings. Every node checkpoints; disputes are opened and voted on through
 * the control sockets (one ruled directly, one through the fallback arbiter, one while its seller's node is away);
 * with 4 nodes or more a spare member is admitted through ordering and tickets are paid and settled; then the nodes
 * stop and every ledger is verified in full. Each stage is told to {@link DemoStages} as it happens. Ends as soon as
 * all that is done, or at {@code duration}, or on {@link #interrupt()}.
 */
public final class Demo {
    private static final Logger LOG = LoggerFactory.getLogger(Demo.class);

    /** Shorter than {@code --fast}: first checkpoints 20 s after boot, dispute midpoints 20 s after opening. */
    static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(20);
    static final Duration VOTING_TIMEOUT = Duration.ofSeconds(40);

    private final int nodeCount;
    private final Duration duration;
    private final Path dataDir;
    private final DemoStages stages;
    private final Clock clock = Clock.systemUTC();
    private final CountDownLatch interrupted = new CountDownLatch(1);
    private long deadlineNanos;
    /** The summary's lines for the parts of the story beyond checkpoints and disputes. */
    private final List<String> more = new ArrayList<>();

    public Demo(int nodeCount, Duration duration, Path dataDir, DemoStages stages) {
        this.nodeCount = nodeCount;
        this.duration = duration;
        this.dataDir = dataDir;
        this.stages = stages;
    }

    public void interrupt() {
        interrupted.countDown();
    }

    public DemoReport run() throws IOException, KeyFileException, ConfigException, GeneralSecurityException,
            InterruptedException {
        long begin = System.nanoTime();
        deadlineNanos = begin + duration.toNanos();
        long deadline = deadlineNanos;
        LOG.atInfo().addKeyValue("nodes", nodeCount).addKeyValue("dir", dataDir).log("demo: starting embedded broker");
        List<String> missing = new ArrayList<>();
        List<QuorumNode> nodes = new ArrayList<>();
        String brokerUrl;
        List<String> disputeIds;
        stages.progress("starting the embedded broker");
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir.resolve("broker"))) {
            brokerUrl = broker.url();
            stages.done("broker up: HiveMQ CE in this JVM at " + brokerUrl);
            var files = FederationInit.write(dataDir, new FederationInit.Options(nodeCount, broker.url(), "quorumd/demo",
                    true).withFastTimings(CHECKPOINT_INTERVAL, VOTING_TIMEOUT), new SecureRandom());
            long firstBoot = clock.millis();
            for (var f : files) {
                stages.progress("nodes starting " + nodes.size() + "/" + nodeCount + ": " + f.name());
                DemoScript.startNode(f.config(), clock, nodes::add);
            }
            DemoScript script = new DemoScript(nodes, stages, clock, deadline, () -> interrupted.getCount() == 0);
            disputeIds = script.disputeIds;
            script.firstBootMillis = firstBoot;
            boolean split = false;
            try {
                step(missing, "every node online and caught up", () -> online(script));
                if (script.hasArbiters()) {
                    step(missing, "dispute A ruled directly", script::directRuling);
                    split = script.hasFallback() && step(missing, "dispute B split", script::splitDispute);
                }
                DemoFederation federation = new DemoFederation(script, dataDir);
                if (federation.possible() && step(missing, "a member admitted through ordering", federation::admit)) {
                    more.add(federation.summary);
                }
                DemoDelivery delivery = new DemoDelivery(script, dataDir);
                if (script.hasArbiters() && step(missing, "a ruling delivered to a node that was away",
                        delivery::rulingWhileAway)) {
                    more.add(delivery.summary);
                }
                DemoPayments payments = new DemoPayments(script);
                if (payments.possible() && step(missing, "tickets paid and a winner settled", payments::payAndSettle)) {
                    more.add(payments.summary);
                }
                step(missing, "a checkpoint of every subject on every node", script::checkpointsEverywhere);
                if (split) {
                    if (step(missing, "fallback activated for dispute B", script::fallbackActivated)) {
                        step(missing, "dispute B ruled after fallback", script::fallbackRuling);
                    }
                }
            } catch (IOException e) {
                stages.failed("control call failed: " + e.getMessage());
                missing.add("control call failed: " + e.getMessage());
            }
            DemoReport partial = report(nodes, disputeIds, script);
            LOG.info("demo: stopping nodes");
            stages.progress("stopping the nodes");
            for (QuorumNode n : nodes) {
                n.stop(Duration.ofSeconds(3));
            }
            stages.progress("verifying every ledger in full");
            DemoReport r = verify(partial, brokerUrl, Duration.ofNanos(System.nanoTime() - begin), missing);
            String verified = "ledgers verified: " + r.ledgersVerified() + " of " + nodeCount + " in full ("
                    + r.entriesVerified() + " entries, every signature checked)";
            if (r.ledgerProblems().isEmpty()) {
                stages.done(verified);
            } else {
                stages.failed(verified);
            }
            return r;
        } finally {
            stages.close();
            for (QuorumNode n : nodes) {
                n.stop(Duration.ofSeconds(1));
            }
        }
    }

    private DemoScript.Result online(DemoScript script) throws InterruptedException {
        List<QuorumNode> nodes = script.nodes;
        boolean ok = script.await("every node sees every other online and caught up", () -> "nodes online "
                + nodes.stream().filter(n -> n.peersOnline() == nodeCount - 1 && n.caughtUp()).count() + "/" + nodeCount,
                () -> nodes.stream().allMatch(n -> n.peersOnline() == nodeCount - 1 && n.caughtUp()));
        long seeing = nodes.stream().filter(n -> n.peersOnline() == nodeCount - 1).count();
        long synced = nodes.stream().filter(QuorumNode::caughtUp).count();
        return new DemoScript.Result(ok, ok ? "nodes online " + seeing + "/" + nodeCount + ": each sees its " + (nodeCount - 1)
                + " peers and has synced with them" : "nodes online: " + seeing + "/" + nodeCount + " see every peer, " + synced
                + "/" + nodeCount + " have synced with them");
    }

    /** One scenario step, which says how it ended. */
    @FunctionalInterface
    private interface Step {
        DemoScript.Result run() throws IOException, InterruptedException;
    }

    /** Runs {@code step} unless the demo was interrupted; true if it got through. */
    private boolean step(List<String> missing, String what, Step step) throws IOException, InterruptedException {
        if (interrupted.getCount() == 0) {
            missing.add(what + " (interrupted)");
            return false;
        }
        DemoScript.Result r = step.run();
        if (r.ok()) {
            stages.done(r.line());
        } else {
            stages.failed(r.line() + (interrupted.getCount() == 0 ? " (interrupted)"
                    : System.nanoTime() > deadlineNanos ? " (not done within --duration " + duration.toSeconds() + " s)" : ""));
            missing.add(what);
        }
        return r.ok();
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
        return new DemoReport(dataDir, "", Duration.ZERO, List.of(), checkpoints, disputes, List.copyOf(more), rows, 0, 0,
                List.of());
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
        return new DemoReport(dataDir, brokerUrl, ran, List.copyOf(missing), r.checkpoints(), r.disputes(), r.more(), r.nodes(),
                verified, entries, problems);
    }
}
