package io.quorumd.checkpoint;

import io.quorumd.loop.Journal;
import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.Envelope;

/** The checkpoint machine's records; the node writes these to the ledger. */
public interface CheckpointJournal extends Journal {
    /** A valid final, this node's own or a peer's, now its latest for the subject. */
    void finalStored(CheckpointFinal checkpoint, Envelope envelope);

    /** A final this node holds already arrived again (its publisher may not know this node holds it). */
    void decisionSeen(Envelope envelope);
}
