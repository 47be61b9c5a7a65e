package io.quorumd.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.config.ConfigLoader;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.node.ControlClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One node as the packaged daemon ({@code java -jar target/quorumd.jar run --config ...}), started, SIGKILLed,
 * stopped and asked over its control socket. Its process is ended by its own PID only.
 */
final class Daemon {
    static final Path JAR = Path.of("target", "quorumd.jar");

    private final String name;
    private final Path config;
    private final Path socket;
    private final Path dataDir;
    private final Path logs;
    private volatile Process process;
    private int starts;

    Daemon(Path config, Path logs) throws Exception {
        QuorumdConfig c = ConfigLoader.load(config);
        this.name = c.node().name();
        this.config = config;
        this.socket = c.control().socket();
        this.dataDir = c.node().dataDir();
        this.logs = logs;
    }

    String name() {
        return name;
    }

    Path dataDir() {
        return dataDir;
    }

    int starts() {
        return starts;
    }

    /** Starts the process; returns {@link System#nanoTime()} at its start. */
    long start() throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        starts++;
        long t0 = System.nanoTime();
        process = new ProcessBuilder(List.of(java, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar",
                JAR.toString(), "run", "--config", config.toString()))
                .redirectErrorStream(true).redirectOutput(log().toFile()).start();
        return t0;
    }

    /** The output of the latest start. */
    Path log() {
        return logs.resolve(name + "-" + starts + ".log");
    }

    String logText() {
        try {
            return Files.readString(log());
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    boolean alive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** Waits up to {@code millis} for the process to end by itself (a random pause that ends early if it dies). */
    void pause(long millis) throws InterruptedException {
        process.waitFor(millis, TimeUnit.MILLISECONDS);
    }

    /** SIGKILL by PID, as a crash; returns once the process is gone. */
    void kill() throws InterruptedException {
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException(name + " (pid " + p.pid() + ") survived SIGKILL for 20 s");
            }
        }
    }

    /** SIGTERM by PID: an orderly stop; returns the exit code. */
    int stop() throws InterruptedException {
        Process p = process;
        p.destroy();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException(name + " did not stop within 20 s of SIGTERM");
        }
        return p.exitValue();
    }

    /** Waits for the process to exit by itself; its exit code, or -1 if it still runs after {@code timeout}. */
    int awaitExit(Duration timeout) throws InterruptedException {
        Process p = process;
        return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? p.exitValue() : -1;
    }

    /** One control request; throws what {@link ControlClient#call} throws. */
    JsonNode call(ObjectNode request) throws IOException, ControlClient.Refused {
        return ControlClient.call(socket, request);
    }

    /** The daemon's status, or null while it does not answer. */
    JsonNode status() {
        try {
            return call(ControlClient.request("status"));
        } catch (IOException | ControlClient.Refused e) {
            return null;
        }
    }

    /** Waits until the daemon answers, sees {@code peers} peers online and is caught up; fails if it exits. */
    void awaitCaughtUp(Duration timeout, int peers) throws InterruptedException {
        Await.until(timeout, () -> {
            if (!alive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + logText());
            }
            JsonNode s = status();
            return s != null && s.path("caughtUp").asBoolean() && s.path("peersOnline").asInt() >= peers;
        }, () -> name + " status " + status());
    }

    /** SIGKILL if still running: the end of a test, whatever happened. */
    void close() throws InterruptedException {
        kill();
    }
}
