package io.quorumd.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.wire.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control socket: a Unix domain socket (mode 0600) taking one JSON object per line,
 * {@code {"cmd":"status"}}, and answering one per line, {@code {"ok":true,"result":…}} or
 * {@code {"ok":false,"error":"…"}}. Commands run on the loop thread. A socket file left by a dead daemon is
 * replaced; one a live daemon answers on is refused.
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(10);

    private final Path path;
    private final ServerSocketChannel server;
    private final BiFunction<String, JsonNode, java.util.concurrent.CompletableFuture<Object>> dispatch;
    private final Thread acceptor;
    private volatile boolean closed;

    private ControlServer(Path path, ServerSocketChannel server,
                          BiFunction<String, JsonNode, java.util.concurrent.CompletableFuture<Object>> dispatch) {
        this.path = path;
        this.server = server;
        this.dispatch = dispatch;
        this.acceptor = new Thread(this::acceptLoop, "quorumd-control");
        this.acceptor.setDaemon(true);
    }

    /**
     * Binds the socket; {@code dispatch} runs a command on the loop and completes with its JSON result.
     *
     * @throws StartupException the socket cannot be created (the message names the path and the remedy), or
     *     another live daemon answers on it
     */
    public static ControlServer start(Path path,
                                      BiFunction<String, JsonNode, java.util.concurrent.CompletableFuture<Object>> dispatch)
            throws StartupException {
        ServerSocketChannel server;
        try {
            Files.createDirectories(path.toAbsolutePath().getParent());
            if (Files.exists(path)) {
                if (answers(path)) {
                    throw new StartupException("cannot create the control socket " + path,
                            new IOException("another quorumd answers on it"),
                            "stop that daemon first, or give this node its own control.socket");
                }
                Files.delete(path);
            }
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                server.bind(UnixDomainSocketAddress.of(path));
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            } catch (IOException | RuntimeException e) {
                server.close();
                throw e;
            }
        } catch (StartupException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new StartupException("cannot create the control socket " + path, e,
                    "set control.socket to a writable path");
        }
        ControlServer s = new ControlServer(path, server, dispatch);
        s.acceptor.start();
        LOG.atInfo().addKeyValue("socket", path).log("control socket listening");
        return s;
    }

    private static boolean answers(Path path) {
        try {
            SocketChannel.open(UnixDomainSocketAddress.of(path)).close();
            return true;
        } catch (IOException dead) {
            return false;
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel client = server.accept();
                Thread t = new Thread(() -> serve(client), "quorumd-control-client");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!closed) {
                    LOG.atWarn().addKeyValue("error", e.getMessage()).log("control socket accept failed");
                }
                return;
            }
        }
    }

    private void serve(SocketChannel client) {
        try (client;
             BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(client),
                     StandardCharsets.UTF_8));
             OutputStream out = Channels.newOutputStream(client)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.write((answer(line) + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            LOG.atDebug().addKeyValue("error", e.getMessage()).log("control client gone");
        }
    }

    String answer(String line) {
        ObjectNode reply = Json.object();
        try {
            JsonNode request = Json.MAPPER.readTree(line);
            if (request == null || !request.isObject() || !request.path("cmd").isTextual()) {
                throw new ControlCommands.Refused("a request is a JSON object with a \"cmd\" string");
            }
            Object result = dispatch.apply(request.get("cmd").asText(), request)
                    .get(ANSWER_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
            reply.put("ok", true);
            reply.set("result", (JsonNode) result);
        } catch (ExecutionException e) {
            reply.put("ok", false);
            reply.put("error", String.valueOf(e.getCause().getMessage()));
        } catch (TimeoutException e) {
            reply.put("ok", false);
            reply.put("error", "the daemon did not answer within " + ANSWER_WITHIN.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reply.put("ok", false);
            reply.put("error", "interrupted");
        } catch (IOException | RuntimeException e) {
            reply.put("ok", false);
            reply.put("error", e.getMessage());
        }
        return reply.toString();
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.atDebug().addKeyValue("error", e.getMessage()).log("control socket close");
        }
    }
}
