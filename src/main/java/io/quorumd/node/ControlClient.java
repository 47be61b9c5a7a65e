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
import java.nio.file.Files;
import java.nio.file.Path;

/** One request over the control socket. */
public final class ControlClient {
    /** The daemon is not there to ask. */
    public static final class NotRunning extends IOException {
        private static final long serialVersionUID = 1L;

        NotRunning(String message) {
            super(message);
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

    public static JsonNode call(Path socket, ObjectNode request) throws IOException, Refused {
        if (!Files.exists(socket)) {
            throw new NotRunning("quorumd is not running (no control socket at " + socket + ")");
        }
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
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

    public static ObjectNode request(String cmd) {
        ObjectNode o = Json.object();
        o.put("cmd", cmd);
        return o;
    }
}
