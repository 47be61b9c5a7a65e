package io.quorumd.arbiter;

import io.quorumd.loop.Journal;
import io.quorumd.wire.DisputeRuling;
import io.quorumd.wire.Envelope;

/** The arbiter machine's records; the node writes these to the ledger. */
public interface ArbiterJournal extends Journal {
    /** A valid ruling, built here or received, now final for its dispute. */
    void rulingStored(DisputeRuling ruling, Envelope envelope);

    /** A ruling this node holds already arrived again (its publisher may not know this node holds it). */
    void decisionSeen(Envelope envelope);
}
