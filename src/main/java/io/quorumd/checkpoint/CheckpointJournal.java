package io.quorumd.checkpoint;

import io.quorumd.loop.InboundMessage;
import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.Envelope;
import java.util.List;

/** What the checkpoint machine asks to be recorded; the node writes these to the ledger. */
public interface CheckpointJournal {
    /** A verified proposal or vote this node acted on. */
    void accepted(InboundMessage message);

    /** A valid final, this node's own or a peer's, now its latest for the subject. */
    void finalStored(CheckpointFinal checkpoint, Envelope envelope);

    /** Two different signed messages from one signer for the same thing. */
    void evidence(String what, List<Envelope> envelopes);

    /** A message dropped by the protocol rules, with a stable reason code. */
    void rejected(String reason, String detail);
}
