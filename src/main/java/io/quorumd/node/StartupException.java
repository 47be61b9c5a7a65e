package io.quorumd.node;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * A node could not start. The message is written for the operator reading the journal: what failed, why,
 * and what to do — {@code "cannot create the control socket /x.sock: permission denied: /x.sock; set
 * control.socket to a writable path"}. Whoever throws it has already released what it took (ledger lock,
 * threads, broker client), so the process can exit 1 and systemd restart it.
 */
public final class StartupException extends IOException {
    private static final long serialVersionUID = 1L;

    public StartupException(String what, Throwable cause, String remedy) {
        super(what + ": " + describe(cause) + "; " + remedy, cause);
    }

    /** A cause in words: NIO file exceptions carry only a path in their message, which says nothing alone. */
    public static String describe(Throwable t) {
        if (t instanceof NoSuchFileException f) {
            return "no such file or directory: " + f.getFile() + " (create it, or fix the path in the config)";
        }
        if (t instanceof AccessDeniedException f) {
            return "permission denied: " + f.getFile() + " (run as the user that owns it, e.g. sudo -u quorumd,"
                    + " or give that user access)";
        }
        if (t instanceof FileAlreadyExistsException f) {
            return "already exists: " + f.getFile();
        }
        if (t instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason() + ": " + f.getFile();
        }
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }
}
