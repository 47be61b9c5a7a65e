package io.quorumd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.node.ControlClient;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.SocketException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a client command says when it cannot reach the daemon: permission denied (a user outside the socket's
 * owner) is not "not running". Tests run as root, so the decision is checked on the exceptions Java throws for
 * each case (seen as an unprivileged user: EACCES on connect is a {@link BindException} "Permission denied",
 * a missing socket a {@link SocketException} "No such file or directory", a socket nobody listens on a
 * {@link ConnectException}).
 */
class ControlAccessTest {
    private static final Path SOCKET = Path.of("/run/quorumd/control.sock");

    @TempDir
    Path dir;

    private static String said(IOException connectFailure, Optional<Path> blocked) {
        return ControlClient.unreachable(SOCKET, connectFailure, blocked).getMessage();
    }

    @Test
    void permissionDeniedOnConnectNamesTheSocketAndWhoMayUseIt() {
        IOException e = ControlClient.unreachable(SOCKET, new BindException("Permission denied"), Optional.empty());
        assertInstanceOf(ControlClient.PermissionDenied.class, e);
        assertEquals("permission denied on /run/quorumd/control.sock, run as root or as user quorumd", e.getMessage());
        assertEquals(said(new AccessDeniedException(SOCKET.toString()), Optional.empty()), e.getMessage());
    }

    @Test
    void aDirectoryThisUserCannotEnterIsNamedWhateverTheConnectSaid() {
        Path blocked = Path.of("/run/quorumd");
        assertEquals("permission denied on /run/quorumd, run as root or as user quorumd",
                said(new BindException("Permission denied"), Optional.of(blocked)));
        assertEquals("permission denied on /run/quorumd, run as root or as user quorumd",
                said(new SocketException("No such file or directory"), Optional.of(blocked)));
    }

    @Test
    void noSocketOrNobodyListeningIsNotRunning() {
        IOException missing = ControlClient.unreachable(SOCKET, new SocketException("No such file or directory"), Optional.empty());
        assertInstanceOf(ControlClient.NotRunning.class, missing);
        assertEquals("quorumd is not running (no control socket at /run/quorumd/control.sock)", missing.getMessage());
        assertEquals(missing.getMessage(), said(new NoSuchFileException(SOCKET.toString()), Optional.empty()));
        IOException stale = ControlClient.unreachable(SOCKET, new ConnectException("Connection refused"), Optional.empty());
        assertInstanceOf(ControlClient.NotRunning.class, stale);
        assertEquals("quorumd is not running (control socket /run/quorumd/control.sock does not answer: Connection refused)",
                stale.getMessage());
    }

    @Test
    void permissionDeniedExitsFourWithTheMessageOnStderr() {
        var err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = System.err;
        DaemonOption.Answer a;
        try {
            System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
            a = DaemonOption.failed(SOCKET, ControlClient.unreachable(SOCKET, new BindException("Permission denied"),
                    Optional.empty()));
        } finally {
            System.setErr(saved);
        }
        assertEquals(Main.NO_ACCESS, a.exitCode());
        assertEquals(4, Main.NO_ACCESS);
        assertEquals("quorumd: permission denied on /run/quorumd/control.sock, run as root or as user quorumd\n",
                err.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void statusWithoutADaemonStillSaysNotRunning() throws Exception {
        CliRun none = CliRun.of("status", "--socket", dir.resolve("none.sock").toString());
        assertEquals(1, none.code(), none.toString());
        assertEquals("", none.out());
        assertTrue(none.err().startsWith("quorumd is not running (no control socket at " + dir.resolve("none.sock")), none.err());

        Path leftBehind = Files.writeString(dir.resolve("stale.sock"), "not a socket");
        CliRun stale = CliRun.of("status", "--socket", leftBehind.toString(), "--json");
        assertEquals(1, stale.code(), stale.toString());
        assertEquals("", stale.out(), "nothing on stdout, even with --json");
        assertTrue(stale.err().startsWith("quorumd is not running (control socket " + leftBehind + " does not answer"),
                stale.err());
    }

    @Test
    void theSameWordingReachesEveryDaemonCommand() {
        CliRun pm = CliRun.of("pm", "balance", "--socket", dir.resolve("none.sock").toString(), "--json");
        CliRun fed = CliRun.of("federation", "show", "--socket", dir.resolve("none.sock").toString());
        for (CliRun r : new CliRun[] {pm, fed}) {
            assertEquals(1, r.code(), r.toString());
            assertTrue(r.err().startsWith("quorumd is not running (no control socket at "), r.err());
        }
    }

    @Test
    void accessibleDirectoriesAreNotReportedAsBlocked() throws Exception {
        Path sock = Files.createDirectories(dir.resolve("run/quorumd")).resolve("control.sock");
        assertEquals(Optional.empty(), ControlClient.blockedDirectory(sock));
        assertEquals(Optional.empty(), ControlClient.blockedDirectory(dir.resolve("missing/deeper/control.sock")));
    }
}
