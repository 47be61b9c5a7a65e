package io.quorumd.cli;

import io.quorumd.crypto.KeyFileException;
import io.quorumd.crypto.NodeKey;
import io.quorumd.wire.Json;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "key", mixinStandardHelpOptions = true, description = "Inspect a node key file.",
        subcommands = {KeyCommand.Show.class})
final class KeyCommand extends GroupCommand {

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Print the node id and public key of an existing key file (what the roster needs), after the"
                    + " same checks the daemon makes (mode 0600, PKCS#8 Ed25519).",
            footer = {"", "Example:", "  sudo -u quorumd quorumd key show --key /etc/quorumd/node.key"})
    static final class Show implements Callable<Integer> {
        @Option(names = "--key", required = true, description = "Key file to read.")
        Path key;

        @Option(names = "--json", description = "One JSON object: keyFile, nodeId, publicKey.")
        boolean json;

        @Override
        public Integer call() {
            NodeKey k;
            try {
                k = NodeKey.read(key);
            } catch (KeyFileException e) {
                System.err.println("quorumd key show: " + e.getMessage());
                return Main.FAILURE;
            }
            if (json) {
                System.out.println(Json.object().put("keyFile", key.toString()).put("nodeId", k.nodeId().hex())
                        .put("publicKey", k.publicKey().base64()).toString());
            } else {
                System.out.println("key file:   " + key);
                System.out.println("node id:    " + k.nodeId());
                System.out.println("public key: " + k.publicKey().base64());
            }
            return Main.OK;
        }
    }
}
