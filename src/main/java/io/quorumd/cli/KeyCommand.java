package io.quorumd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.KeyFileException;
import io.quorumd.crypto.NodeKey;
import io.quorumd.wire.Json;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "key", mixinStandardHelpOptions = true, description = "Inspect a node key file.",
        subcommands = {KeyCommand.Show.class})
final class KeyCommand extends GroupCommand {

    /** What {@code key show} and {@code keygen} report about a key file: its path, node id and public key. */
    static ObjectNode describe(Path file, NodeKey key) {
        return Json.object().put("keyFile", file.toString()).put("nodeId", key.nodeId().hex())
                .put("publicKey", key.publicKey().base64());
    }

    static void printText(JsonNode key) {
        System.out.println("key file:   " + key.path("keyFile").asText());
        System.out.println("node id:    " + key.path("nodeId").asText());
        System.out.println("public key: " + key.path("publicKey").asText());
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Print the node id and public key of an existing key file (what the roster needs), after the"
                    + " same checks the daemon makes (mode 0600, PKCS#8 Ed25519).",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd key show --key /etc/quorumd/node.key",
                    "  quorumd key show --key /etc/quorumd/node.key --json"})
    static final class Show implements Callable<Integer> {
        @Option(names = "--key", required = true, description = "Key file to read.")
        Path key;

        @Mixin
        JsonOption json;

        @Override
        public Integer call() {
            NodeKey k;
            try {
                k = NodeKey.read(key);
            } catch (KeyFileException e) {
                System.err.println("quorumd key show: " + e.getMessage());
                return Main.FAILURE;
            }
            json.print(describe(key, k), KeyCommand::printText);
            return Main.OK;
        }
    }
}
