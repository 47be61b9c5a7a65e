package io.quorumd.ledger;

import java.io.IOException;

/** Places in a commit where tests inject a crash. Production code never sets an injector. */
public enum FaultPoint {
    /** A group's entries are written to the file, its seal is not. */
    BEFORE_SEAL,
    /** Records are written to the file but not yet fsynced. */
    AFTER_WRITE,
    /** Records are durable; the batch's publishes have not left yet. */
    AFTER_SYNC;

    /** Called at each point of a commit; may throw to simulate a crash or a storage error. */
    @FunctionalInterface
    public interface Injector {
        void at(FaultPoint point) throws IOException;
    }
}
