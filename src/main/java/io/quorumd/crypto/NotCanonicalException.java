package io.quorumd.crypto;

/**
 * A JSON tree that quorumd's canonical form cannot hold: a floating-point number, an integer outside
 * ±(2^53−1), a lone surrogate in a key or string, or a node that is not a JSON value. The message says
 * what was found and where (a JSON Pointer to the value, or to the object whose key is at fault).
 */
public final class NotCanonicalException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public NotCanonicalException(String message) {
        super(message);
    }
}
