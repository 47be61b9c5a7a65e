package io.quorumd.ledger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Finds the ledger directory from what an operator typed: a data dir or the ledger dir itself. */
public final class LedgerDirs {
    private LedgerDirs() {
    }

    public static Path resolve(Path given) throws IOException {
        if (!Files.isDirectory(given)) {
            throw new NoSuchFileException(given + " is not a directory");
        }
        Path inner = Ledger.directory(given);
        if (Files.isDirectory(inner)) {
            return inner;
        }
        if (!LedgerScanner.segments(given).isEmpty()) {
            return given;
        }
        throw new NoSuchFileException("no ledger in " + given + " (expected " + inner + ")");
    }
}
