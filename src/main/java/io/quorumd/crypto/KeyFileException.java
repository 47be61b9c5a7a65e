package io.quorumd.crypto;

/** A key file that is missing, unreadable, malformed or too widely readable. The message says what to do. */
public final class KeyFileException extends Exception {
    private static final long serialVersionUID = 1L;

    public KeyFileException(String message) {
        super(message);
    }

    public KeyFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
