package io.quorumd.wire;

import java.util.Optional;

/**
 * Signs at most one message per slot, ever: a machine names the slot (for example the subject, asOf and
 * round a checkpoint vote is for); the first call signs, records the message in the ledger and publishes it
 * once durable. A later call — also after a restart — signs nothing and publishes nothing: it returns the
 * message already signed. Whatever must be sent again is sent by its owner on purpose, never as a side
 * effect of a peer repeating itself.
 */
public interface SlotSigner {
    Envelope signOnce(String slot, MessageType type, Body body, String topic, boolean retained);

    /** What was signed for {@code slot}, if anything. */
    Optional<Envelope> signed(String slot);
}
