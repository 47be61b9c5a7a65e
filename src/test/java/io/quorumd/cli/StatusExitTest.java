package io.quorumd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quorumd.node.ControlServer;
import io.quorumd.wire.Json;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `quorumd status` exits 3 while the daemon answers but has no broker connection, so a monitor sees it. */
class StatusExitTest {
    @TempDir
    Path dir;

    private int statusWith(boolean connected) throws Exception {
        Path sock = dir.resolve(connected ? "c.sock" : "n.sock");
        ControlServer server = ControlServer.start(sock, (cmd, args) -> CompletableFuture.completedFuture(
                Json.object().put("node", "node-1").put("nodeId", "00").put("connected", connected)));
        try {
            return Main.commandLine().execute("status", "--socket", sock.toString(), "--json");
        } finally {
            server.close();
        }
    }

    @Test
    void zeroWhenConnectedThreeWhenNotOneWhenNotRunning() throws Exception {
        assertEquals(0, statusWith(true));
        assertEquals(3, statusWith(false));
        assertEquals(1, Main.commandLine().execute("status", "--socket", dir.resolve("none.sock").toString()));
    }
}
