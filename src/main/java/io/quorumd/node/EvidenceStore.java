package io.quorumd.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Hashes;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Base64;

/**
 * Evidence files of disputes this node opens, kept as {@code <dataDir>/evidence/<sha256>} (written to a
 * temp file, synced, renamed). Only their SHA-256 goes into the signed open. Runs on the control thread,
 * before the request reaches the loop.
 */
final class EvidenceStore {
    static final int MAX_BYTES = 1 << 20;
    static final int MAX_FILES = 8;

    private EvidenceStore() {
    }

    /** Replaces {@code evidenceFiles: [{name, base64}]} in a dispute.open request by {@code evidence: [sha256]}. */
    static void absorb(ObjectNode request, Path dataDir) throws IOException {
        JsonNode files = request.remove("evidenceFiles");
        ArrayNode digests = request.putArray("evidence");
        if (files == null) {
            return;
        }
        if (files.size() > MAX_FILES) {
            throw new ControlCommands.Refused("at most " + MAX_FILES + " evidence files");
        }
        Path dir = Files.createDirectories(dataDir.resolve("evidence"));
        for (JsonNode f : files) {
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(f.path("base64").asText());
            } catch (IllegalArgumentException e) {
                throw new ControlCommands.Refused("evidence " + f.path("name").asText() + " is not base64");
            }
            if (bytes.length > MAX_BYTES) {
                throw new ControlCommands.Refused("evidence " + f.path("name").asText() + " is " + bytes.length
                        + " bytes; the limit is " + MAX_BYTES);
            }
            String sha = Hashes.sha256(bytes).hex();
            Path target = dir.resolve(sha);
            if (!Files.exists(target)) {
                Path tmp = dir.resolve(sha + ".tmp");
                Files.write(tmp, bytes);
                try (var ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            }
            digests.add(sha);
        }
    }
}
