package io.quorumd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.quorumd.config.FederationInit;
import io.quorumd.node.QuorumNode;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's data dir on a small tmpfs that fills up while it runs: the node stops at its first failed
 * ledger write with an ERROR that names the problem and exits 1, and {@code quorumd ledger verify --full} finds
 * at most a torn tail afterwards. Needs {@code mount -t tmpfs} (root); where mount is refused, the same failure
 * is injected below the file system by {@code io.quorumd.ledger.ControlAnswerBeforeFsyncTest}.
 */
class LedgerDiskFullIT {
    static String brokerUrl;

    @RegisterExtension
    static final BeforeEachCallback BROKER = (ExtensionContext ctx) -> brokerUrl = TestBroker.url(ctx);

    @TempDir
    Path dir;

    private static Process run(List<String> command, Path out) throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    }

    private static int exit(List<String> command, Path out) throws Exception {
        Process p = run(command, out);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not end within 60 s");
        }
        return p.exitValue();
    }

    /** Writes until the file system refuses: large chunks first, then single pages, then bytes. */
    private static long fill(Path file) throws IOException {
        long written = 0;
        try (FileOutputStream out = new FileOutputStream(file.toFile(), true)) {
            for (int chunk : new int[] {1 << 16, 1 << 12, 1}) {
                byte[] b = new byte[chunk];
                try {
                    while (true) {
                        out.write(b);
                        written += chunk;
                    }
                } catch (IOException full) {
                    if (!String.valueOf(full.getMessage()).contains("No space left")) {
                        throw full;
                    }
                }
            }
        }
        return written;
    }

    @Test
    void aFullDiskStopsTheNodeWithExitOneAndLeavesAtMostATornTail() throws Exception {
        assumeTrue(TestBroker.describe().equals("embedded"), "brings its own processes: embedded leg only");
        var files = FederationInit.write(dir.resolve("fed"), new FederationInit.Options(2, brokerUrl,
                "quorumd-it/full-" + UUID.randomUUID().toString().substring(0, 8), true)
                .withFastTimings(Duration.ofSeconds(5), Duration.ofMinutes(30)), new SecureRandom());
        Path data = Files.createDirectories(files.get(0).config().getParent().resolve("data"));
        Path logs = Files.createDirectories(dir.resolve("logs"));
        int mounted = exit(List.of("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", data.toString()), logs.resolve("mount.log"));
        assumeTrue(mounted == 0, "mount -t tmpfs is not permitted here (" + Files.readString(logs.resolve("mount.log")).trim()
                + "); the injected write failure of ControlAnswerBeforeFsyncTest covers the fail-stop");
        System.out.println("LedgerDiskFullIT: data dir on a 2 MiB tmpfs at " + data);
        Daemon victim = new Daemon(files.get(0).config(), logs);
        QuorumNode peer = null;
        try {
            peer = LabNodes.startOne(files.get(1).config());
            victim.start();
            victim.awaitCaughtUp(Duration.ofSeconds(90), 1);
            long filled = fill(data.resolve("filler"));
            long full = System.nanoTime();
            int code = -1;
            // the peer coming and going and the 5 s checkpoints give the victim entries to write
            for (int round = 0; round < 12 && code < 0; round++) {
                peer.kill();
                peer = LabNodes.startOne(files.get(1).config());
                code = victim.awaitExit(Duration.ofSeconds(5));
            }
            String log = victim.logText();
            assertEquals(1, code, "exit code once the disk is full (filled " + filled + " bytes):\n" + log);
            assertTrue(log.contains("ERROR") && log.contains("No space left on device"),
                    "an ERROR line names the full disk:\n" + log);
            assertTrue(log.contains("fatal ledger error"), log);
            System.out.println("LedgerDiskFullIT: filled " + filled + " bytes; exited 1 "
                    + (System.nanoTime() - full) / 1_000_000 + " ms later; "
                    + log.lines().filter(l -> l.contains("ERROR")).findFirst().orElse(""));

            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Path verifyLog = logs.resolve("verify.log");
            int verify = exit(List.of(java, "-jar", Daemon.JAR.toString(), "ledger", "verify", data.toString(), "--full"),
                    verifyLog);
            String verified = Files.readString(verifyLog, StandardCharsets.UTF_8);
            System.out.println("LedgerDiskFullIT: ledger verify --full exit " + verify + ": " + verified.trim());
            assertTrue(verify == 0 || verify == 1, "verify exits 0 (intact) or 1 (torn tail), never 2:\n" + verified);
        } finally {
            victim.close();
            if (peer != null) {
                peer.stop(Duration.ofSeconds(3));
            }
            int un = exit(List.of("umount", data.toString()), logs.resolve("umount.log"));
            if (un != 0) {
                exit(List.of("umount", "-l", data.toString()), logs.resolve("umount-lazy.log"));
            }
        }
    }
}
