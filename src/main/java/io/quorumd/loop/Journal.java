package io.quorumd.loop;

import io.quorumd.wire.Envelope;
import java.util.List;

/** What every machine asks the node to record or count; the node writes it to the ledger and the stats. */
public interface Journal {
    /** A verified message this node acted on. */
    void accepted(InboundMessage message);

    /** Two different signed messages from one signer where only one is allowed. */
    void evidence(String what, List<Envelope> envelopes);

    /** A message dropped by the protocol rules, with a stable reason code. */
    void rejected(String reason, String detail);
}
