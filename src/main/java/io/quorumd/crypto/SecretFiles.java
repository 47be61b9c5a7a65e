package io.quorumd.crypto;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/** Files that hold a secret (the node key, the broker password, the TLS key): readable by their owner alone. */
public final class SecretFiles {
    private static final Set<PosixFilePermission> TOO_OPEN = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private SecretFiles() {
    }

    /**
     * What is wrong with {@code file}'s mode, with the fix ("is accessible by group or others (mode 0644); run:
     * chmod 600 FILE"), or empty when only its owner may use it or the file system has no POSIX modes.
     */
    public static Optional<String> tooOpen(Path file) throws IOException {
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException e) {
            return Optional.empty();
        }
        if (perms.stream().noneMatch(TOO_OPEN::contains)) {
            return Optional.empty();
        }
        return Optional.of("is accessible by group or others (mode " + octal(perms) + "); run: chmod 600 " + file);
    }

    private static String octal(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (PosixFilePermission p : perms) {
            mode |= 1 << (8 - p.ordinal());
        }
        return String.format("%04o", mode);
    }
}
