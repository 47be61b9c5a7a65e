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
 * config given with {@code --config} (default /etc/quorumd/quorumd.yaml).
 */
final class DaemonOption {
    @Option(names = {"-c", "--config"}, description = "The daemon's config (default: /etc/quorumd/quorumd.yaml).")
    Path config = ConfigLoader.DEFAULT_PATH;

    @Option(names = "--socket", description = "The daemon's control socket (instead of reading --config).")
    Path socket;

    @Option(names = "--json", description = "Print the daemon's JSON answer as it came.")
    boolean json;

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
            JsonNode result = ControlClient.call(target, request);
            if (json) {
                System.out.println(result.toPrettyString());
            }
            return new Answer(result, Main.OK);
        } catch (ControlClient.Refused e) {
            System.err.println("quorumd: " + e.getMessage());
            return new Answer(null, Main.FAILURE);
        } catch (ControlClient.NotRunning e) {
            System.err.println(e.getMessage());
            return new Answer(null, Main.FAILURE);
        } catch (IOException e) {
            System.err.println("quorumd: control socket " + target + ": " + e.getMessage());
            return new Answer(null, Main.FAILURE);
        }
    }
}
