package io.quorumd.ledger;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a scan of a ledger directory found: how far the intact chain goes, the format of the last segment
 * ({@link SegmentFormat}; 0 for none), and at most one of a torn tail (recoverable by truncation) or a
 * corruption (fatal).
 */
public record ScanResult(long entries, long lastSeq, String lastHash, List<Path> segments, long validEndOfLast,
                         int lastFormat, Optional<TornTail> torn, Optional<Corruption> corruption) {

    /**
     * What follows the last intact, sealed entry: {@code bytes} bytes from {@code offset} to the end of {@code file},
     * holding {@code unsealed} complete entries that no seal authenticates (format 2) and perhaps an incomplete record.
     */
    public record TornTail(Path file, long offset, long bytes, int unsealed) {
    }

    /** Damage that is not a torn tail, located by file and byte offset. */
    public record Corruption(Path file, long offset, String reason) {
        @Override
        public String toString() {
            return file + " at offset " + offset + ": " + reason;
        }
    }

    public boolean intact() {
        return torn.isEmpty() && corruption.isEmpty();
    }
}
