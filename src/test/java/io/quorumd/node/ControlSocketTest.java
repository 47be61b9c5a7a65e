package io.quorumd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.wire.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlSocketTest {
    @TempDir
    Path dir;

    private static CompletableFuture<Object> echo(String cmd, com.fasterxml.jackson.databind.JsonNode args) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        if (cmd.equals("fail")) {
            f.completeExceptionally(new ControlCommands.Refused("no, because reasons"));
        } else {
            f.complete(Json.object().put("cmd", cmd).put("x", args.path("x").asInt()));
        }
        return f;
    }

    @Test
    void answersJsonLinesOnAPrivateSocket() throws Exception {
        Path sock = dir.resolve("control.sock");
        try (ControlServer server = ControlServer.start(sock, ControlSocketTest::echo)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
            var req = ControlClient.request("status");
            req.put("x", 7);
            var result = ControlClient.call(sock, req);
            assertEquals("status", result.path("cmd").asText());
            assertEquals(7, result.path("x").asInt());
            var refused = assertThrows(ControlClient.Refused.class, () -> ControlClient.call(sock, ControlClient.request("fail")));
            assertEquals("no, because reasons", refused.getMessage());
            assertTrue(server.answer("not json").contains("\"ok\":false"));
        }
        assertTrue(Files.notExists(sock), "the socket file goes away with the server");
    }

    @Test
    void aLiveSocketIsNotTakenOverButAStaleOneIs() throws Exception {
        Path sock = dir.resolve("control.sock");
        try (ControlServer first = ControlServer.start(sock, ControlSocketTest::echo)) {
            assertTrue(first.answer("{\"cmd\":\"status\"}").contains("\"ok\":true"));
            IOException e = assertThrows(IOException.class, () -> ControlServer.start(sock, ControlSocketTest::echo));
            assertTrue(e.getMessage().contains("another quorumd answers"), e.getMessage());
            assertEquals("status", ControlClient.call(sock, ControlClient.request("status")).path("cmd").asText());
        }
        Files.writeString(sock, "left behind by a crash");
        try (ControlServer again = ControlServer.start(sock, ControlSocketTest::echo)) {
            assertTrue(again.answer("{\"cmd\":\"status\"}").contains("\"ok\":true"));
            assertEquals("status", ControlClient.call(sock, ControlClient.request("status")).path("cmd").asText());
        }
    }

    @Test
    void noDaemonIsSaidPlainly() {
        var e = assertThrows(ControlClient.NotRunning.class,
                () -> ControlClient.call(dir.resolve("none.sock"), ControlClient.request("status")));
        assertTrue(e.getMessage().startsWith("quorumd is not running"), e.getMessage());
    }
}
