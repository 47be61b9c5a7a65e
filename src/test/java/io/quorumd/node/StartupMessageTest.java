package io.quorumd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/** A file-system error says what failed, why, and the fix; the JDK's own message is only the path. */
class StartupMessageTest {
    @Test
    void fileErrorsSayWhatWhyAndTheFix() {
        String denied = StartupException.describe(new AccessDeniedException("/var/lib/quorumd"));
        assertTrue(denied.startsWith("permission denied: /var/lib/quorumd (run as the user that owns it"), denied);
        String missing = StartupException.describe(new NoSuchFileException("/nonexistent/ca.pem"));
        assertTrue(missing.startsWith("no such file or directory: /nonexistent/ca.pem (create it"), missing);
        assertEquals("boom", StartupException.describe(new IllegalStateException("boom")));
    }
}
