package io.quorumd.node;

import io.quorumd.crypto.NodeKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * Whether this node's key has ever signed: a key just made by {@code keygen} or {@code federation init} has
 * a marker file beside it ({@code node.key.unused}), removed once the key's first ledger holds its first
 * entries. A ledger that begins without the marker (a lost or replaced disk, a key copied from elsewhere)
 * belongs to a key that may have signed before: it signs nothing dated before it began (DESIGN §13).
 */
public interface KeyUse {
    /** True while the key has never been used by a ledger. */
    boolean neverUsed();

    /** The key's first ledger holds its first entries, durably. */
    void used();

    /** The marker beside {@code keyFile}. */
    static KeyUse markerBeside(Path keyFile) {
        Path marker = NodeKey.unusedMarker(keyFile);
        return new KeyUse() {
            @Override
            public boolean neverUsed() {
                return Files.exists(marker);
            }

            @Override
            public void used() {
                try {
                    Files.deleteIfExists(marker);
                } catch (IOException e) {
                    LoggerFactory.getLogger(KeyUse.class).atWarn().addKeyValue("file", marker)
                            .addKeyValue("error", e.getMessage()).log("cannot remove the unused-key marker; remove it by hand");
                }
            }
        };
    }

}
