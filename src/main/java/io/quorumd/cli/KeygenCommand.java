package io.quorumd.cli;

import io.quorumd.crypto.KeyFileException;
import io.quorumd.crypto.NodeKey;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = "Create a new node identity: an Ed25519 key as PKCS#8 v1 PEM (the form openssl genpkey writes),"
                + " mode 0600. Never overwrites.")
final class KeygenCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "Key file to create.")
    Path out;

    @Override
    public Integer call() {
        NodeKey key = NodeKey.generate(new SecureRandom());
        try {
            key.writeNew(out);
        } catch (KeyFileException e) {
            System.err.println("quorumd keygen: " + e.getMessage());
            return Main.FAILURE;
        }
        System.out.println("key file:   " + out);
        System.out.println("node id:    " + key.nodeId());
        System.out.println("public key: " + key.publicKey().base64());
        return Main.OK;
    }
}
