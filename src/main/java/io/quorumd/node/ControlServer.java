package io.quorumd.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.wire.Json;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control socket: a Unix domain socket taking one JSON object per line, {@code {"cmd":"status"}}, and
 * answering one per line, {@code {"ok":true,"result":…}} or {@code {"ok":false,"error":"…"}}. Commands run
 * on the loop thread. A socket file left by a dead daemon is replaced; one a live daemon answers on is
 * refused.
 *
 * <p>Invariants:
 * <ul>
 *   <li>The socket is never reachable with a mode other than 0600: it is bound inside a fresh 0700
 *       directory next to its final path, chmod 0600, then renamed into place ({@link #bindPrivately}).
 *       A missing parent directory is created 0700.</li>
 *   <li>At most {@link Limits#maxClients} clients are served at once; one more gets a single refusal line
 *       and is closed.</li>
 *   <li>Each client is bounded in line length, buffered memory and idle time ({@link ControlConnection}).</li>
 * </ul>
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(10);
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_DIR =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    /**
     * The largest legitimate request is {@code dispute.open} carrying {@link EvidenceStore#MAX_FILES} evidence
     * files of {@link EvidenceStore#MAX_BYTES} each as base64, plus per file its name (up to 255 bytes, JSON
     * escaping can make that ×6) and keys, plus the request's other fields (a few KiB; a signed envelope is at
     * most 64 KiB, so no other field can usefully be larger).
     */
    static final int MAX_LINE_BYTES = EvidenceStore.MAX_FILES * (base64Length(EvidenceStore.MAX_BYTES) + 4096) + 65_536;

    /** Caps on what clients may hold; see the class comment. */
    record Limits(int maxClients, int maxLineBytes, int smallLineBytes, Duration idleTimeout) {
        static final Limits DEFAULT = new Limits(16, MAX_LINE_BYTES, 65_536, Duration.ofSeconds(30));
    }

    private final Path path;
    private final ServerSocketChannel server;
    private final BiFunction<String, JsonNode, CompletableFuture<Object>> dispatch;
    private final Limits limits;
    private final Semaphore clientSlots;
    private final Semaphore largeRequests = new Semaphore(1);
    private final Set<SocketChannel> clients = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer;
    private final Thread acceptor;
    private long refusedClients;
    private volatile boolean closed;

    private ControlServer(Path path, ServerSocketChannel server,
                          BiFunction<String, JsonNode, CompletableFuture<Object>> dispatch, Limits limits) {
        this.path = path;
        this.server = server;
        this.dispatch = dispatch;
        this.limits = limits;
        this.clientSlots = new Semaphore(limits.maxClients());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "quorumd-control-timeouts");
            t.setDaemon(true);
            return t;
        });
        this.acceptor = new Thread(this::acceptLoop, "quorumd-control");
        this.acceptor.setDaemon(true);
    }

    /**
     * Binds the socket; {@code dispatch} runs a command on the loop and completes with its JSON result.
     *
     * @throws StartupException the socket cannot be created (the message names the path and the remedy), or
     *     another live daemon answers on it
     */
    public static ControlServer start(Path path, BiFunction<String, JsonNode, CompletableFuture<Object>> dispatch)
            throws StartupException {
        return start(path, dispatch, Limits.DEFAULT);
    }

    static ControlServer start(Path path, BiFunction<String, JsonNode, CompletableFuture<Object>> dispatch,
                               Limits limits) throws StartupException {
        ServerSocketChannel server;
        try {
            Files.createDirectories(path.toAbsolutePath().getParent(), PRIVATE_DIR);
            if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                if (answers(path)) {
                    throw new StartupException("cannot create the control socket " + path,
                            new IOException("another quorumd answers on it"),
                            "stop that daemon first, or give this node its own control.socket");
                }
                Files.delete(path);
            }
            server = bindPrivately(path.toAbsolutePath());
        } catch (StartupException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new StartupException("cannot create the control socket " + path, e,
                    "set control.socket to a writable path");
        }
        ControlServer s = new ControlServer(path, server, dispatch, limits);
        s.acceptor.start();
        LOG.atInfo().addKeyValue("socket", path).addKeyValue("max_clients", limits.maxClients())
                .addKeyValue("max_line_bytes", limits.maxLineBytes()).log("control socket listening");
        return s;
    }

    /**
     * Java cannot set the umask, so a socket bound at its final path would exist with the umask's mode (often
     * 0755: connectable by anyone) until a chmod. Instead it is bound inside a fresh 0700 directory in the
     * same parent (same file system), chmod 0600 there where nobody else can reach it, and renamed over
     * {@code socket} in one step; the staging directory is removed whatever happens.
     */
    private static ServerSocketChannel bindPrivately(Path socket) throws IOException {
        Path staging = stagingDirectory(socket.getParent());
        Path bound = staging.resolve("s");
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.bind(UnixDomainSocketAddress.of(bound));
            Files.setPosixFilePermissions(bound, PosixFilePermissions.fromString("rw-------"));
            Files.move(bound, socket, StandardCopyOption.ATOMIC_MOVE);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        } finally {
            Files.deleteIfExists(bound);
            Files.deleteIfExists(staging);
        }
    }

    /** A new 0700 directory with a short name (socket paths are limited to 107 bytes). */
    private static Path stagingDirectory(Path parent) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path candidate = parent.resolve(".qd" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 24)));
            try {
                return Files.createDirectory(candidate, PRIVATE_DIR);
            } catch (FileAlreadyExistsException taken) {
                if (attempt == 10) {
                    throw taken;
                }
            }
        }
    }

    private static int base64Length(int bytes) {
        return 4 * ((bytes + 2) / 3);
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
            SocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.atWarn().addKeyValue("error", e.getMessage()).log("control socket accept failed");
                }
                return;
            }
            if (!clientSlots.tryAcquire()) {
                turnAway(client);
                continue;
            }
            clients.add(client);
            Thread t = new Thread(new ControlConnection(this, client), "quorumd-control-client");
            t.setDaemon(true);
            t.start();
        }
    }

    /** Over the cap: one refusal line (a fresh socket's buffer takes it without blocking), then close. */
    private void turnAway(SocketChannel client) {
        refusedClients++;
        if (Long.bitCount(refusedClients) == 1) {
            LOG.atWarn().addKeyValue("max_clients", limits.maxClients()).addKeyValue("refused_total", refusedClients)
                    .log("control client refused: too many connected");
        }
        try (client) {
            client.write(ByteBuffer.wrap((refusal("too many control clients (" + limits.maxClients()
                    + " connected); try again later") + "\n").getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            LOG.atDebug().addKeyValue("error", e.getMessage()).log("refused control client gone");
        }
    }

    void clientEnded(SocketChannel client) {
        if (clients.remove(client)) {
            clientSlots.release();
        }
    }

    Limits limits() {
        return limits;
    }

    Semaphore largeRequests() {
        return largeRequests;
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    static String refusal(String reason) {
        ObjectNode reply = Json.object();
        reply.put("ok", false);
        reply.put("error", reason);
        return reply.toString();
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

    /** Stops accepting, closes every client and removes the socket file. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.atDebug().addKeyValue("error", e.getMessage()).log("control socket close");
        }
        for (SocketChannel c : clients) {
            try {
                c.close();
            } catch (IOException e) {
                LOG.atDebug().addKeyValue("error", e.getMessage()).log("control client close");
            }
        }
        timer.shutdownNow();
    }
}
