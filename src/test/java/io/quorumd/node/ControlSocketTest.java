package io.quorumd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.wire.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
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

    private final List<ControlServer> servers = new ArrayList<>();

    private void started(ControlServer server) {
        servers.add(server);
    }

    @AfterEach
    void closeServers() {
        servers.forEach(ControlServer::close);
    }

    private static SocketChannel connect(Path sock) throws IOException {
        return SocketChannel.open(UnixDomainSocketAddress.of(sock));
    }

    private static void send(SocketChannel ch, String line) throws IOException {
        ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** The next line the server sends, or null at end of stream; fails after 10 s (closing the channel). */
    private static String readLine(SocketChannel ch) throws Exception {
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            ByteBuffer one = ByteBuffer.allocate(1);
            try {
                while (true) {
                    one.clear();
                    if (ch.read(one) < 0) {
                        return got.size() == 0 ? null : got.toString(StandardCharsets.UTF_8);
                    }
                    if (one.get(0) == '\n') {
                        return got.toString(StandardCharsets.UTF_8);
                    }
                    got.write(one.get(0));
                }
            } catch (IOException e) {
                return got.size() == 0 ? "closed: " + e.getMessage() : got.toString(StandardCharsets.UTF_8);
            }
        });
        try {
            return line.get(10, TimeUnit.SECONDS);
        } finally {
            if (!line.isDone()) {
                ch.close();
            }
        }
    }

    private static String status(SocketChannel ch) throws Exception {
        send(ch, "{\"cmd\":\"status\",\"x\":1}");
        return readLine(ch);
    }

    @Test
    void socketIsPrivateFromTheStartAndAMissingParentIsCreated0700() throws Exception {
        Path parent = dir.resolve("run").resolve("quorumd");
        Path sock = parent.resolve("control.sock");
        started(ControlServer.start(sock, ControlSocketTest::echo));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(parent)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("run"))));
        try (var listing = Files.list(parent)) {
            assertEquals(List.of(sock), listing.toList(), "the staging directory is gone");
        }
        assertEquals("status", ControlClient.call(sock, ControlClient.request("status")).path("cmd").asText());
    }

    @Test
    void theSeventeenthConcurrentClientIsTurnedAwayWhileSixteenAreServed() throws Exception {
        Path sock = dir.resolve("control.sock");
        List<SocketChannel> held = new ArrayList<>();
        started(ControlServer.start(sock, ControlSocketTest::echo));
        try {
            for (int i = 0; i < ControlServer.Limits.DEFAULT.maxClients(); i++) {
                SocketChannel c = connect(sock);
                held.add(c);
                assertTrue(status(c).contains("\"ok\":true"), "client " + (i + 1) + " is served");
            }
            try (SocketChannel extra = connect(sock)) {
                String refused = readLine(extra);
                assertTrue(refused.startsWith("{\"ok\":false,\"error\":\"too many control clients (16 connected)"),
                        refused);
                assertNull(readLine(extra), "then the connection is closed");
            }
            for (SocketChannel c : held) {
                assertTrue(status(c).contains("\"ok\":true"), "the sixteen are still served");
            }
            held.remove(0).close();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            String answer;
            do {
                try (SocketChannel again = connect(sock)) {
                    answer = status(again);
                } catch (IOException refusedBeforeTheSlotFreed) {
                    // the server turned this one away (and closed it) before it saw the close: try again
                    answer = "closed: " + refusedBeforeTheSlotFreed.getMessage();
                }
            } while (!answer.contains("\"ok\":true") && System.nanoTime() < deadline);
            assertTrue(answer.contains("\"ok\":true"), "a freed slot serves a new client: " + answer);
        } finally {
            for (SocketChannel c : held) {
                c.close();
            }
        }
    }

    @Test
    void aLineOverTheCapIsRefusedWithoutBeingBuffered() throws Exception {
        Path sock = dir.resolve("control.sock");
        int cap = ControlServer.MAX_LINE_BYTES;
        started(ControlServer.start(sock, ControlSocketTest::echo));
        try (SocketChannel hostile = connect(sock)) {
            // cap + 1 bytes without a newline, then more: the server must stop reading at the cap.
            AtomicLong written = new AtomicLong();
            CompletableFuture<IOException> writer = CompletableFuture.supplyAsync(() -> {
                ByteBuffer junk = ByteBuffer.allocate(64 * 1024);
                try {
                    while (written.get() < 3L * cap) {
                        junk.clear();
                        written.addAndGet(hostile.write(junk));
                    }
                    return null;
                } catch (IOException e) {
                    return e;
                }
            });
            String refused = readLine(hostile);
            assertEquals("{\"ok\":false,\"error\":\"request line longer than " + cap + " bytes; refused\"}", refused);
            assertNotNull(writer.get(10, TimeUnit.SECONDS), "the server closed the connection");
            assertTrue(written.get() < 2L * cap, "the server stopped reading near the cap; the client got "
                    + written.get() + " bytes in for a cap of " + cap);
            assertEquals("status", ControlClient.call(sock, ControlClient.request("status")).path("cmd").asText(),
                    "the server keeps answering");
        }
    }

    @Test
    void theLargestLegitimateRequestFitsUnderTheCap() throws Exception {
        Path sock = dir.resolve("control.sock");
        var request = ControlClient.request("dispute.open");
        request.put("reason", "r".repeat(1000));
        var files = request.putArray("evidenceFiles");
        String content = Base64.getEncoder().encodeToString(new byte[EvidenceStore.MAX_BYTES]);
        for (int i = 0; i < EvidenceStore.MAX_FILES; i++) {
            files.addObject().put("name", "\u00e9".repeat(120) + i).put("base64", content);
        }
        started(ControlServer.start(sock, ControlSocketTest::echo));
        assertEquals("dispute.open", ControlClient.call(sock, request).path("cmd").asText());
    }

    @Test
    void idleClientsAreClosed() throws Exception {
        Path sock = dir.resolve("control.sock");
        var limits = new ControlServer.Limits(2, 1024, 512, java.time.Duration.ofMillis(200));
        started(ControlServer.start(sock, ControlSocketTest::echo, limits));
        try (SocketChannel idle = connect(sock); SocketChannel alsoIdle = connect(sock)) {
            assertNull(readLine(idle), "an idle client is closed after the timeout");
            assertNull(readLine(alsoIdle));
        }
        try (SocketChannel c = connect(sock)) {
            assertTrue(status(c).contains("\"ok\":true"), "the slots of idle clients were freed");
        }
    }
}
