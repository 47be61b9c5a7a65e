package io.quorumd.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.CanonicalJson;
import io.quorumd.crypto.Ed25519;
import io.quorumd.crypto.NodeKey;
import io.quorumd.crypto.SigningBytes;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Json;
import io.quorumd.wire.JsonFields;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ledger/VERIFIED}: "every entry through seq {@code seq}, whose chain hash is {@code hash}, had its
 * signature and its embedded messages verified", signed by this node's key. Start-up verifies only the
 * entries after it, so restarts stay fast while every entry is verified once. The hash ties the mark to
 * this ledger's history: if the entry at {@code seq} hashes otherwise, the ledger changed after it was
 * verified, and start-up stops. A mark that does not parse or verify is ignored (everything is verified
 * again). Written to a temp file, synced, renamed.
 */
public record VerifiedMark(long seq, String hash) {
    static final String FILE = "VERIFIED";
    private static final Logger LOG = LoggerFactory.getLogger(VerifiedMark.class);
    private static final String DOMAIN = "quorumd-verified/1\n";

    private ObjectNode unsignedJson() {
        ObjectNode o = Json.object();
        o.put("seq", seq);
        o.put("hash", hash);
        return o;
    }

    /** The mark in {@code ledgerDir} signed by {@code publicKey}, or empty (none, unreadable or not ours). */
    public static Optional<VerifiedMark> read(Path ledgerDir, Bytes publicKey) {
        Path file = ledgerDir.resolve(FILE);
        try {
            JsonNode tree = Json.MAPPER.readTree(Files.readAllBytes(file));
            JsonFields f = new JsonFields(tree, "verified");
            VerifiedMark mark = new VerifiedMark(f.nonNegative("seq"), f.text("hash"));
            Bytes sig = Bytes.fromBase64(f.text("sig"));
            f.done();
            if (!Ed25519.verify(publicKey, SigningBytes.of(DOMAIN, mark.unsignedJson()), sig)) {
                LOG.atWarn().addKeyValue("file", file).log("verified mark is not signed by this node's key; verifying the whole ledger");
                return Optional.empty();
            }
            return Optional.of(mark);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | DecodeException | IllegalArgumentException e) {
            LOG.atWarn().addKeyValue("file", file).addKeyValue("error", e.getMessage())
                    .log("verified mark unreadable; verifying the whole ledger");
            return Optional.empty();
        }
    }

    void write(Path ledgerDir, NodeKey key, boolean sync) throws IOException {
        ObjectNode o = unsignedJson();
        o.put("sig", key.sign(SigningBytes.of(DOMAIN, unsignedJson())).base64());
        Path tmp = ledgerDir.resolve(FILE + ".tmp");
        Files.write(tmp, CanonicalJson.encode(o));
        if (sync) {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
        }
        Files.move(tmp, ledgerDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (sync) {
            try (FileChannel d = FileChannel.open(ledgerDir, StandardOpenOption.READ)) {
                d.force(true);
            }
        }
    }
}
