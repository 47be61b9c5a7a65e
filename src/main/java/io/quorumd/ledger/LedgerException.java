package io.quorumd.ledger;

import java.io.IOException;

/** The ledger cannot be used: corruption found at start, or a storage error. The message names file and offset. */
public final class LedgerException extends IOException {
    private static final long serialVersionUID = 1L;

    public LedgerException(String message) {
        super(message);
    }

    public LedgerException(String message, Throwable cause) {
        super(message, cause);
    }
}
