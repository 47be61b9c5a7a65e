package io.quorumd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code quorumd run} as systemd runs it: every start-up failure ends the process with exit code 1 (so
 * {@code Restart=on-failure} restarts it) and one stderr line saying what failed and what to do — no hang,
 * no half-started daemon.
 */
class StartupFailureIT {
    private static final Path JAR = Path.of("target", "quorumd.jar");
    private static final long DEADLINE_S = 60;

    @TempDir
    Path dir;

    private record Exit(int code, String stdout, String stderr) {
    }

    private Exit quorumd(String... args) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx128m", "-XX:+UseSerialGC", "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "stdout", ".txt");
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            boolean ended = p.waitFor(DEADLINE_S, TimeUnit.SECONDS);
            assertTrue(ended, "quorumd " + String.join(" ", args) + " still runs after " + DEADLINE_S + " s:\n"
                    + Files.readString(err));
            return new Exit(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            p.destroyForcibly();
        }
    }

    /** A two-node lab from {@code federation init}, pointing at a port where no broker listens. */
    private Path labNodeConfig() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Exit init = quorumd("federation", "init", "--nodes", "2", "--out", dir.resolve("fed").toString(),
                "--broker", "tcp://127.0.0.1:" + closedPort);
        assertEquals(0, init.code(), init.stderr());
        Path config = dir.resolve("fed").resolve("node-1").resolve("quorumd.yaml");
        assertTrue(Files.exists(config), init.stdout());
        return config;
    }

    @Test
    void unusableControlSocketExitsOneAndSaysWhatToDo() throws Exception {
        Path config = labNodeConfig();
        Files.writeString(config, "control:\n  socket: /proc/nonexistent/x.sock\n", StandardOpenOption.APPEND);

        Exit run = quorumd("run", "--config", config.toString());

        assertEquals(1, run.code(), run.stderr());
        String line = run.stderr().lines().filter(l -> l.startsWith("quorumd: ")).findFirst().orElse(null);
        assertNotNull(line, "no quorumd: line on stderr:\n" + run.stderr());
        assertTrue(line.startsWith("quorumd: cannot create the control socket /proc/nonexistent/x.sock: "), line);
        assertTrue(line.endsWith("; set control.socket to a writable path"), line);
    }

    @Test
    void ledgerHeldByAnotherProcessExitsOneAndSaysWhatToDo() throws Exception {
        Path config = labNodeConfig();
        Path ledger = Files.createDirectories(config.getParent().resolve("data").resolve("ledger"));
        try (FileChannel ch = FileChannel.open(ledger.resolve("LOCK"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock held = ch.tryLock()) {
            assertNotNull(held, "this test holds the ledger lock, as a running daemon would");

            Exit run = quorumd("run", "--config", config.toString());

            assertEquals(1, run.code(), run.stderr());
            assertTrue(run.stderr().contains("quorumd: the ledger in " + ledger + " is in use by another quorumd process;"
                    + " stop that process first, or give this node its own node.dataDir"), run.stderr());
        }
    }
}
