package io.quorumd.ledger;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a scan of a ledger directory found: how far the intact chain goes, and at most one of a torn tail
 * (recoverable by truncation) or a corruption (fatal).
 */
public record ScanResult(long entries, long lastSeq, String lastHash, List<Path> segments, long validEndOfLast,
                         Optional<TornTail> torn, Optional<Corruption> corruption) {

    /** An incomplete last record: {@code bytes} bytes from {@code offset} to the end of {@code file}. */
    public record TornTail(Path file, long offset, long bytes) {
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
