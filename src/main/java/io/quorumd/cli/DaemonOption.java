package io.quorumd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.config.ConfigException;
import io.quorumd.config.ConfigLoader;
import io.quorumd.node.ControlClient;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * How a client command finds the daemon: {@code --socket PATH}, or the {@code control.socket} of the
 * config given with {@code --config} (default /etc/quorumd/quorumd.yaml). A call prints nothing on stdout:
 * the command prints the answer (text, or one JSON document with its {@link JsonOption}).
 */
final class DaemonOption {
    @Option(names = {"-c", "--config"}, description = "The daemon's config (default: /etc/quorumd/quorumd.yaml).")
    Path config = ConfigLoader.DEFAULT_PATH;

    @Option(names = "--socket", description = "The daemon's control socket (instead of reading --config).")
    Path socket;

    /** Outcome of one call: the answer, or an exit code already explained on stderr. */
    record Answer(JsonNode result, int exitCode) {
    }

    Answer call(ObjectNode request) {
        Path target = socket;
        if (target == null) {
            try {
                target = ConfigLoader.load(config).control().socket();
            } catch (ConfigException e) {
                System.err.println(e.getMessage());
                return new Answer(null, Main.USAGE);
            }
        }
        try {
            return new Answer(ControlClient.call(target, request), Main.OK);
        } catch (ControlClient.Refused | IOException e) {
            return failed(target, e);
        }
    }

    /** Explains on stderr why the call to {@code target} failed; the answer carries the exit code for it. */
    static Answer failed(Path target, Exception e) {
        if (e instanceof ControlClient.NotRunning) {
            System.err.println(e.getMessage());
            return new Answer(null, Main.FAILURE);
        }
        if (e instanceof ControlClient.PermissionDenied) {
            System.err.println("quorumd: " + e.getMessage());
            return new Answer(null, Main.NO_ACCESS);
        }
        System.err.println(e instanceof ControlClient.Refused ? "quorumd: " + e.getMessage()
                : "quorumd: control socket " + target + ": " + e.getMessage());
        return new Answer(null, Main.FAILURE);
    }
}
