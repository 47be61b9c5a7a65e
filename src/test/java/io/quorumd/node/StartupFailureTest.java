package io.quorumd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.config.ConfigLoader;
import io.quorumd.config.FederationInit;
import io.quorumd.config.NodeIdentity;
import io.quorumd.config.QuorumdConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node that cannot start says why and lets go of everything it took, so the same data dir starts next time. */
class StartupFailureTest {
    @TempDir
    Path dir;

    private Path labConfig() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        var files = FederationInit.write(dir.resolve("fed"), new FederationInit.Options(2,
                "tcp://127.0.0.1:" + closedPort, "qd-startup", true), new SecureRandom());
        return files.get(0).config();
    }

    private static QuorumNode node(Path config) throws Exception {
        QuorumdConfig c = ConfigLoader.load(config);
        return new QuorumNode(c, NodeIdentity.load(c), Clock.systemUTC());
    }

    @Test
    void unusableControlSocketFailsTheStartAndReleasesTheLedger() throws Exception {
        Path config = labConfig();
        Path notADirectory = Files.writeString(dir.resolve("plain-file"), "not a directory");
        Path socket = notADirectory.resolve("control.sock");
        Files.writeString(config, "control:\n  socket: " + socket + "\n", StandardOpenOption.APPEND);

        QuorumNode first = node(config);
        StartupException e = assertThrows(StartupException.class, first::start);
        assertTrue(e.getMessage().startsWith("cannot create the control socket " + socket + ": "), e.getMessage());
        assertTrue(e.getMessage().endsWith("; set control.socket to a writable path"), e.getMessage());
        assertEquals(0, first.ledgerEntries(), "nothing was booted before the socket failed");

        // The ledger lock was released: the same data dir opens again in this very process.
        Files.delete(notADirectory);
        QuorumNode second = node(config);
        try {
            second.start();
            assertTrue(Files.exists(socket), "the second start binds the socket");
        } finally {
            second.stop(Duration.ofSeconds(2));
        }
    }
}
