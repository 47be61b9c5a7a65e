package io.quorumd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.arbiter.ArbiterMachine;
import io.quorumd.config.FederationInit;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.ledger.ScanResult;
import io.quorumd.node.QuorumNode;
import io.quorumd.sim.DataDirs;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * How validators double-sign in real life, on a real broker: the same key, config and data dir started on a
 * second machine while the first runs (a cloned VM), and a node restored from a backup taken before it signed
 * its latest vote. The twin, a real `quorumd run`, exits 3 before signing anything and the first goes on; the
 * restored node signs no second vote. Double signatures are counted from every node's ledger.
 */
class TwinIT {
    private static final Path JAR = Path.of("target", "quorumd.jar");
    static String brokerUrl;

    @RegisterExtension
    static final BeforeEachCallback BROKER = (ExtensionContext ctx) -> brokerUrl = TestBroker.url(ctx);

    @TempDir
    Path dir;

    private List<QuorumNode> startAll(int n, String name) throws Exception {
        var files = FederationInit.write(dir, new FederationInit.Options(n, brokerUrl,
                "quorumd-it/" + name + "-" + UUID.randomUUID().toString().substring(0, 8), true), new SecureRandom());
        List<QuorumNode> nodes = new ArrayList<>();
        for (var f : files) {
            nodes.add(LabNodes.startOne(f.config()));
        }
        Await.until(Duration.ofSeconds(30), () -> nodes.stream().allMatch(x -> x.peersOnline() == n - 1), () -> "online");
        return nodes;
    }

    private static long intactEntries(Path dataDir) throws Exception {
        return LedgerScanner.scan(Ledger.directory(dataDir), io.quorumd.ledger.EntryVisitor.NONE).entries();
    }

    @Test
    void aClonedMachineStartedWhileTheFirstRunsExitsThreeHavingSignedNothing() throws Exception {
        List<QuorumNode> nodes = startAll(3, "twin");
        try {
            QuorumNode one = nodes.get(0);
            long oneStarted = (Long) one.ask("t", c -> c.presence().startedAt()).get(5, TimeUnit.SECONDS);
            Path machine = one.config().source().getParent();
            Path clone = dir.resolve("clone-of-node-1");
            DataDirs.copy(machine, clone); // config, key and data dir, copied while node-1 runs
            long copied = intactEntries(clone.resolve("data"));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Path log = dir.resolve("twin.log");
            long t0 = System.nanoTime();
            Process twin = new ProcessBuilder(java, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar",
                    JAR.toString(), "run", "--config", clone.resolve("quorumd.yaml").toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                assertTrue(twin.waitFor(60, TimeUnit.SECONDS), "the twin is still running: " + Files.readString(log));
            } finally {
                twin.destroyForcibly();
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            String out = Files.readString(log);
            assertEquals(3, twin.exitValue(), out);
            assertTrue(out.contains("another process runs with the key of node-1") && out.contains("ERROR")
                    && out.contains(Instant.ofEpochMilli(oneStarted).toString()), out);
            assertEquals(copied, intactEntries(clone.resolve("data")), "the twin appended nothing");
            QuorumNode two = nodes.get(1);
            long seq = two.peers().get(one.id()).lastSeq();
            Await.until(Duration.ofSeconds(10), () -> two.peers().get(one.id()).online()
                    && two.peers().get(one.id()).lastSeq() > seq + 1, () -> "node-1 as node-2 sees it: "
                    + two.peers().get(one.id()));
            assertEquals(oneStarted, two.peers().get(one.id()).startedAt(), "peers still follow the first process");
            System.out.println("TwinIT: the twin exited 3 after " + ms + " ms (JVM start included) on "
                    + TestBroker.describe());
        } finally {
            for (QuorumNode n : nodes) {
                n.stop(Duration.ofSeconds(3));
            }
        }
    }

    private static Object on(QuorumNode n, Function<ArbiterMachine, Object> f) throws Exception {
        return n.ask("test", c -> f.apply(c.arbiter().orElseThrow())).get(5, TimeUnit.SECONDS);
    }

    /** The refusal of a vote, or "" when it was signed. */
    private static String tryVote(QuorumNode n, String id, Decision d) throws Exception {
        try {
            on(n, a -> {
                a.desk().vote(id, d, "restored");
                return null;
            });
            return "";
        } catch (ExecutionException e) {
            return String.valueOf(e.getCause().getMessage());
        }
    }

    @Test
    void aNodeRestoredFromABackupTakenBeforeItsLatestVoteNeverSignsASecondOne() throws Exception {
        List<QuorumNode> nodes = startAll(5, "backup");
        try {
            Await.until(Duration.ofSeconds(30), () -> nodes.stream().allMatch(QuorumNode::caughtUp), () -> "caught up");
            QuorumNode one = nodes.get(0);
            Path data = one.config().node().dataDir();
            Path backup = dir.resolve("backup-node-1");
            DataDirs.copy(data, backup); // taken while it runs, before the vote below
            String id = (String) on(nodes.get(4), a -> a.desk().open("pay-5", "node-5", "node-4", 700, "late", List.of()));
            Await.until(Duration.ofSeconds(10), () -> {
                try {
                    return on(one, a -> a.dispute(id).isPresent()).equals(Boolean.TRUE);
                } catch (Exception e) {
                    return false;
                }
            }, () -> "node-1 holds the dispute");
            assertEquals("", tryVote(one, id, Decision.BUYER));
            Await.until(Duration.ofSeconds(10), () -> {
                try {
                    return on(nodes.get(1), a -> a.dispute(id).orElseThrow().votes().size()).equals(1);
                } catch (Exception e) {
                    return false;
                }
            }, () -> "node-2 holds node-1's vote");
            one.kill();
            try (var files = Files.walk(data)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
            DataDirs.copy(backup, data);
            QuorumNode restored = LabNodes.startOne(one.config().source());
            nodes.set(0, restored);
            String early = tryVote(restored, id, Decision.SELLER);
            assertTrue(!early.isEmpty(), "signed SELLER right after the restore");
            Await.until(Duration.ofSeconds(30), restored::caughtUp, () -> "the restored node catches up");
            String later = tryVote(restored, id, Decision.SELLER);
            assertTrue(later.contains("already voted BUYER"), later);
            for (int k : new int[] {1, 2}) {
                on(nodes.get(k), a -> {
                    a.desk().vote(id, Decision.BUYER, "agree");
                    return null;
                });
            }
            Await.until(Duration.ofSeconds(20), () -> nodes.stream().allMatch(n -> {
                try {
                    return on(n, a -> a.dispute(id).flatMap(d -> d.decision()).orElse(null)) == Decision.BUYER;
                } catch (Exception e) {
                    return false;
                }
            }), () -> "ruled BUYER everywhere");
        } finally {
            for (QuorumNode n : nodes) {
                n.stop(Duration.ofSeconds(3));
            }
        }
        for (QuorumNode n : nodes) {
            assertEquals(Set.of(Decision.BUYER), decisionsOf(n.config().node().dataDir(), nodes.get(0), "pay-5"),
                    n.name() + "'s ledger");
        }
    }

    /** The distinct decisions {@code voter} signed on the dispute about {@code subject}, as one node's ledger holds them. */
    private static Set<Decision> decisionsOf(Path dataDir, QuorumNode voter, String subject) throws Exception {
        Set<Decision> seen = new HashSet<>();
        ScanResult r = LedgerScanner.scan(Ledger.directory(dataDir), (entry, payload) -> {
            for (Envelope env : envelopes(entry)) {
                if (env.type() == MessageType.DISPUTE_VOTE && env.from().equals(voter.id())) {
                    seen.add(((DisputeVote) env.body()).decision());
                }
            }
            return Optional.empty();
        });
        assertTrue(r.corruption().isEmpty(), String.valueOf(r));
        return seen;
    }

    private static List<Envelope> envelopes(io.quorumd.ledger.LedgerEntry entry) {
        List<Envelope> out = new ArrayList<>();
        try {
            Envelope env = entry.envelope();
            out.add(env);
            if (env.body() instanceof io.quorumd.wire.DisputeRuling ruling) {
                out.addAll(ruling.votes());
            }
        } catch (io.quorumd.wire.DecodeException e) {
            // an entry without a message
        }
        return out;
    }
}
