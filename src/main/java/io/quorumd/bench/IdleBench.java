package io.quorumd.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One {@code quorumd run} process as systemd starts it (its own JVM with the unit's flags, this class path),
 * a member of a four-member federation whose other members are away: the time from spawning the JVM to the
 * node's "broker connected" line, and its resident memory (VmRSS, and the peak VmHWM) after it sat idle. Each
 * round starts a fresh data directory (first boot: key checks, ledger created, boot entry fsynced), and ends
 * the process with SIGTERM. Linux only (/proc).
 */
public final class IdleBench {
    /** One process's figures. */
    public record Round(double connectedMs, long rssKib, long peakKib) {
    }

    private final String brokerUrl;
    private final Path workDir;
    private final List<String> jvmFlags;
    private final Duration idle;

    public IdleBench(String brokerUrl, Path workDir, List<String> jvmFlags, Duration idle) {
        this.brokerUrl = brokerUrl;
        this.workDir = workDir;
        this.jvmFlags = List.copyOf(jvmFlags);
        this.idle = idle;
    }

    public Round round(int r) throws Exception {
        Path config = write(Files.createDirectories(workDir.resolve("round-" + r)));
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.quorumd.cli.Main", "run", "--config",
                config.toString()));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            CompletableFuture<Long> connected = new CompletableFuture<>();
            Thread reader = new Thread(() -> drain(p, connected), "idle-bench-output");
            reader.setDaemon(true);
            reader.start();
            long at = connected.get(60, TimeUnit.SECONDS);
            double connectedMs = (at - t0) / 1e6;
            if (!p.waitFor(idle.toMillis(), TimeUnit.MILLISECONDS)) {
                return new Round(connectedMs, status(p.pid(), "VmRSS:"), status(p.pid(), "VmHWM:"));
            }
            throw new IllegalStateException("quorumd run exited with " + p.exitValue() + " while idle");
        } finally {
            p.destroy(); // SIGTERM: the node's own shutdown
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** Reads the process's output to its end; completes {@code connected} with the time of the first connect. */
    private static void drain(Process p, CompletableFuture<Long> connected) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            List<String> head = new ArrayList<>();
            while ((line = in.readLine()) != null) {
                if (!connected.isDone() && line.contains("broker connected")) {
                    connected.complete(System.nanoTime());
                }
                if (head.size() < 40) {
                    head.add(line);
                }
            }
            connected.completeExceptionally(new IllegalStateException("quorumd run ended before it connected:\n"
                    + String.join("\n", head)));
        } catch (IOException e) {
            connected.completeExceptionally(e);
        }
    }

    /** A /proc/PID/status field in KiB. */
    private static long status(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IOException("/proc/" + pid + "/status has no " + field);
    }

    private Path write(Path dir) throws Exception {
        String prefix = "quorumd-bench/idle/" + dir.getFileName() + "-" + Long.toHexString(new SecureRandom().nextLong());
        return BenchFederation.write(dir, brokerUrl, prefix, Collections.nCopies(4, "voter"), "checkpoint:\n  minVoters: 2\n")
                .get(0);
    }

    public static String format(Round r) {
        return String.format(Locale.ROOT, "start_to_connected_ms=%.0f rss_mib=%.1f peak_rss_mib=%.1f", r.connectedMs(),
                r.rssKib() / 1024.0, r.peakKib() / 1024.0);
    }
}
