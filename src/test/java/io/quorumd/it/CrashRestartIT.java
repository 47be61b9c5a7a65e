package io.quorumd.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.config.ConfigLoader;
import io.quorumd.config.FederationInit;
import io.quorumd.ledger.EntryVisitor;
import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.ledger.ScanResult;
import io.quorumd.node.QuorumNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged daemon, SIGKILLed 20 times at random moments while peers come and go: every restart
 * recovers (truncating at most a torn tail), and the chain verifies in full at the end.
 */
class CrashRestartIT {
    private static final Path JAR = Path.of("target", "quorumd.jar");
    static String brokerUrl;

    @RegisterExtension
    static final BeforeEachCallback BROKER = (ExtensionContext ctx) -> brokerUrl = TestBroker.url(ctx);

    @TempDir
    Path dir;

    @Test
    void killedTwentyTimesRestartsCleanlyAndItsChainVerifies() throws Exception {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        var files = FederationInit.write(dir, new FederationInit.Options(3, brokerUrl,
                "quorumd-it/crash-" + Long.toHexString(seed), true), new SecureRandom());
        List<QuorumNode> peers = new ArrayList<>();
        for (var f : files.subList(0, 2)) {
            peers.add(LabNodes.startOne(f.config()));
        }
        Path victimConfig = files.get(2).config();
        Path victimData = ConfigLoader.load(victimConfig).node().dataDir();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        int torn = 0;
        long entries = 0;
        try {
            for (int round = 0; round < 20; round++) {
                Process p = new ProcessBuilder(java, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar",
                        JAR.toString(), "run", "--config", victimConfig.toString())
                        .redirectErrorStream(true).redirectOutput(dir.resolve("victim-" + round + ".log").toFile()).start();
                // killed at a random moment after this start's boot entry is written (a loaded machine can take
                // seconds to get there, so a fixed delay would sometimes kill it before it began)
                long before = entries;
                Await.until(Duration.ofSeconds(30), () -> !p.isAlive() || ledgerEntries(victimData) > before,
                        () -> "no boot entry in round " + before);
                p.waitFor(rnd.nextInt(1500), TimeUnit.MILLISECONDS);
                assertTrue(p.isAlive(), "seed " + seed + " round " + round + ": the node exited by itself, see victim-"
                        + round + ".log: " + Files.readString(dir.resolve("victim-" + round + ".log")));
                p.destroyForcibly();
                assertTrue(p.waitFor(10, TimeUnit.SECONDS));
                if (round % 5 == 4) {
                    // peers come and go, so the victim has transitions to record
                    peers.get(round % 2).kill();
                    peers.set(round % 2, LabNodes.startOne(files.get(round % 2).config()));
                }
                ScanResult r = LedgerScanner.scan(Ledger.directory(victimData), EntryVisitor.NONE);
                assertFalse(r.corruption().isPresent(), "seed " + seed + " round " + round + ": " + r.corruption());
                torn += r.torn().isPresent() ? 1 : 0;
                entries = r.entries();
            }
            Process last = new ProcessBuilder(java, "-jar", JAR.toString(), "run", "--config", victimConfig.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("victim-last.log").toFile()).start();
            Await.until(Duration.ofSeconds(20), () -> peers.stream().allMatch(n -> n.peersOnline() == 2), () -> "peers: "
                    + peers.stream().map(n -> n.name() + "=" + n.peersOnline()).toList());
            last.destroy(); // SIGTERM: orderly stop
            assertTrue(last.waitFor(10, TimeUnit.SECONDS));
        } finally {
            for (QuorumNode n : peers) {
                n.stop(Duration.ofSeconds(2));
            }
        }
        FullVerifier full = new FullVerifier();
        ScanResult r = LedgerScanner.scan(Ledger.directory(victimData), full);
        assertTrue(r.intact(), "seed " + seed + ": " + r);
        assertTrue(r.entries() >= 21, "at least one boot entry per start: " + r.entries());
        long[] seals = {0};
        LedgerScanner.scan(Ledger.directory(victimData), (e, payload) -> {
            seals[0] += e.kind() == io.quorumd.ledger.EntryKind.SEAL ? 1 : 0;
            return Optional.empty();
        });
        assertTrue(seals[0] >= 21, "at least one sealed group commit per start: " + seals[0]);
        assertTrue(full.signaturesChecked() >= seals[0], "every seal verified: " + full.signaturesChecked());
        System.out.println("CrashRestartIT seed=" + seed + " entries=" + r.entries() + " torn tails seen=" + torn);
    }

    /** Intact entries so far (0 before the first start made the ledger), read while the node may be writing. */
    private static long ledgerEntries(Path dataDir) {
        Path dir = Ledger.directory(dataDir);
        try {
            return Files.isDirectory(dir) ? LedgerScanner.scan(dir, EntryVisitor.NONE).entries() : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
