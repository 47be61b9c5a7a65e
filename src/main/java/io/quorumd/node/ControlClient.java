package io.quorumd.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.wire.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.SocketException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/** One request over the control socket. */
public final class ControlClient {
    /** The daemon is not there to ask. */
    public static final class NotRunning extends IOException {
        private static final long serialVersionUID = 1L;

        NotRunning(String message) {
            super(message);
        }
    }

    /** The control socket, or a directory on the way to it, is closed to this user: the daemon may well run. */
    public static final class PermissionDenied extends IOException {
        private static final long serialVersionUID = 1L;

        PermissionDenied(Path denied) {
            super("permission denied on " + denied + ", run as root or as user quorumd");
        }
    }

    /** The daemon answered with a refusal; the message is its reason. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    private ControlClient() {
    }

    /**
     * Sends {@code request} and returns the result.
     *
     * @throws NotRunning nothing listens on {@code socket}
     * @throws PermissionDenied this user may not reach or open {@code socket}
     * @throws Refused the daemon refused the request
     */
    public static JsonNode call(Path socket, ObjectNode request) throws IOException, Refused {
        SocketChannel ch;
        try {
            ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw unreachable(socket, e, blockedDirectory(socket));
        }
        try (ch) {
            var out = Channels.newOutputStream(ch);
            out.write((request.toString() + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
            String line = in.readLine();
            if (line == null) {
                throw new IOException("quorumd closed the control connection without answering");
            }
            JsonNode reply = Json.MAPPER.readTree(line);
            if (!reply.path("ok").asBoolean()) {
                throw new Refused(reply.path("error").asText("refused"));
            }
            return reply.get("result");
        } catch (SocketException e) {
            throw new NotRunning("quorumd is not running (control socket " + socket + " does not answer: "
                    + e.getMessage() + ")");
        }
    }

    /**
     * Why a connect to {@code socket} failed, from the connect's exception and {@code blocked}, the first
     * directory on the way to the socket this user cannot enter (if any): permission denied (on that directory,
     * else on the socket) when the system said so (EACCES: Java reports it as a {@code BindException} or an
     * {@code AccessDeniedException} with "Permission denied") or a directory is blocked; otherwise the daemon is
     * not running (no socket file, or nobody listening on it).
     */
    public static IOException unreachable(Path socket, IOException failure, Optional<Path> blocked) {
        String reason = String.valueOf(failure.getMessage());
        boolean denied = failure instanceof AccessDeniedException || reason.toLowerCase(Locale.ROOT).contains("permission denied");
        if (denied || blocked.isPresent()) {
            return new PermissionDenied(blocked.orElse(socket));
        }
        if (failure instanceof NoSuchFileException || reason.contains("No such file")) {
            return new NotRunning("quorumd is not running (no control socket at " + socket + ")");
        }
        return new NotRunning("quorumd is not running (control socket " + socket + " does not answer: " + reason + ")");
    }

    /** The first existing directory above {@code socket}, from the root down, that this user may not enter. */
    public static Optional<Path> blockedDirectory(Path socket) {
        Path parent = socket.toAbsolutePath().getParent();
        if (parent == null) {
            return Optional.empty();
        }
        for (int i = 1; i <= parent.getNameCount(); i++) {
            Path dir = parent.getRoot().resolve(parent.subpath(0, i));
            if (!Files.isDirectory(dir)) {
                return Optional.empty();
            }
            if (!Files.isExecutable(dir)) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }

    public static ObjectNode request(String cmd) {
        ObjectNode o = Json.object();
        o.put("cmd", cmd);
        return o;
    }
}
