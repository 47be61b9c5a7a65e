package io.quorumd.cli;

import io.quorumd.crypto.KeyFileException;
import io.quorumd.crypto.NodeKey;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = "Create a new node identity: an Ed25519 key as PKCS#8 v1 PEM (the form openssl genpkey writes),"
                + " mode 0600. Never overwrites.",
        footerHeading = "%nExamples:%n",
        footer = {"  quorumd keygen --out /etc/quorumd/node.key",
                "  quorumd keygen --out /etc/quorumd/next.key --json"})
final class KeygenCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "Key file to create.")
    Path out;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() {
        NodeKey key = NodeKey.generate(new SecureRandom());
        try {
            key.writeNew(out);
        } catch (KeyFileException e) {
            System.err.println("quorumd keygen: " + e.getMessage());
            return Main.FAILURE;
        }
        json.print(KeyCommand.describe(out, key), KeyCommand::printText);
        return Main.OK;
    }
}
