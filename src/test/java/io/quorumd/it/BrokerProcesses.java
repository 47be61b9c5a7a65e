package io.quorumd.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the private broker processes of the integration suite ({@link PrivateMosquitto},
 * {@link PrivateNatsCluster}) share: finding the installed binary, a free loopback port, waiting for a
 * listener, and ending a process by its own PID (never by name: a system broker is never touched).
 */
final class BrokerProcesses {
    private BrokerProcesses() {
    }

    /** The installed binary {@code name}: the first on PATH, else in /usr/sbin (not on every user's PATH). */
    static Optional<Path> executable(String name) {
        for (String p : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin").split(":")) {
            if (!p.isEmpty() && Files.isExecutable(Path.of(p, name))) {
                return Optional.of(Path.of(p, name));
            }
        }
        Path sbin = Path.of("/usr/sbin", name);
        return Files.isExecutable(sbin) ? Optional.of(sbin) : Optional.empty();
    }

    /** A loopback port nothing listens on now (the broker binds it a moment later). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Returns once {@code port} on loopback accepts a TCP connection; fails with the process's log if the
     * process exits first or {@code within} passes.
     */
    static void awaitListening(Process process, int port, Duration within, Path log, String what)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException notYet) {
                if (!process.isAlive()) {
                    throw new IOException(what + " exited: " + Files.readString(log));
                }
                process.waitFor(50, TimeUnit.MILLISECONDS);
            }
        }
        throw new IOException(what + " did not listen on " + port + " within " + within.toMillis() + " ms");
    }

    /** SIGKILL by PID, as a crashing broker; returns once the process is gone (or after 10 s). */
    static void kill(Process process) {
        if (process != null) {
            process.destroyForcibly();
            awaitExit(process, Duration.ofSeconds(10));
        }
    }

    /** SIGTERM by PID, then SIGKILL if it is still running after {@code grace}. */
    static void end(Process process, Duration grace) {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!awaitExit(process, grace)) {
                kill(process);
            }
        }
    }

    private static boolean awaitExit(Process process, Duration within) {
        try {
            return process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }
}
