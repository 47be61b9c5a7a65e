package io.quorumd.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A mosquitto process of the test's own on a free loopback port, for tests that kill or restart a
 * broker. It is ended by its own PID; the system Mosquitto on 1883 is never touched.
 */
final class PrivateMosquitto implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final String scheme;
    private Process process;

    PrivateMosquitto(Path dir) throws IOException {
        this(dir, false);
    }

    /**
     * With {@code persistent}, the broker keeps retained messages and sessions in {@code dir} (saved every
     * second), so a restarted broker starts from what it had saved before it was killed.
     */
    PrivateMosquitto(Path dir, boolean persistent) throws IOException {
        this(dir, "tcp", "allow_anonymous true\n", persistent);
    }

    private PrivateMosquitto(Path dir, String scheme, String listenerSettings, boolean persistent) throws IOException {
        this.dir = dir;
        this.scheme = scheme;
        this.port = BrokerProcesses.freePort();
        Files.writeString(dir.resolve("mosquitto.conf"),
                "listener " + port + " 127.0.0.1\n" + listenerSettings
                        + (persistent ? "persistence true\npersistence_location " + dir.toAbsolutePath() + "/\n"
                                + "autosave_interval 1\n" : "persistence false\n")
                        // no per-client queue limit: mosquitto would otherwise drop QoS 1 beyond 1,000 queued
                        + "max_queued_messages 0\n"
                        // started as root, mosquitto would switch to its own user, who cannot read the test's files
                        + "user " + System.getProperty("user.name") + "\n");
    }

    /**
     * A TLS listener that wants a client certificate signed by {@code caFile} and a user of {@code passwordFile}
     * (mosquitto_passwd's format); no anonymous clients. {@link #url()} is then {@code ssl://}.
     */
    static PrivateMosquitto tls(Path dir, Path caFile, Path certFile, Path keyFile, Path passwordFile) throws IOException {
        return new PrivateMosquitto(dir, "ssl", "cafile " + caFile + "\ncertfile " + certFile + "\nkeyfile " + keyFile
                + "\nrequire_certificate true\nallow_anonymous false\npassword_file " + passwordFile + "\n", false);
    }

    static boolean available() {
        return BrokerProcesses.executable("mosquitto").isPresent();
    }

    String url() {
        return scheme + "://127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    void start() throws IOException, InterruptedException {
        String exe = BrokerProcesses.executable("mosquitto").map(Path::toString).orElse("mosquitto");
        Path log = dir.resolve("mosquitto.log");
        process = new ProcessBuilder(List.of(exe, "-c", dir.resolve("mosquitto.conf").toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        BrokerProcesses.awaitListening(process, port, Duration.ofSeconds(10), log, "mosquitto");
    }

    /**
     * SIGSTOP by PID: the broker stops reading and acknowledging but its sockets stay open, so what a client
     * sends now is in flight and unacknowledged until {@link #kill} (or SIGCONT).
     */
    void freeze() throws IOException, InterruptedException {
        Process stop = new ProcessBuilder(List.of("kill", "-STOP", String.valueOf(process.pid()))).start();
        if (!stop.waitFor(10, TimeUnit.SECONDS) || stop.exitValue() != 0) {
            throw new IOException("kill -STOP " + process.pid() + " failed");
        }
    }

    /** SIGKILL by PID, as a crashing broker; returns once the process is gone. */
    void kill() {
        BrokerProcesses.kill(process);
    }

    @Override
    public void close() {
        kill();
    }
}
