package io.quorumd.wire;

/**
 * Signs at most one message per slot, ever: a machine names the slot (for example the proposal or dispute
 * a vote is for); the first call signs, records the message in the ledger and publishes it once durable;
 * any later call — also after a restart — publishes that same message again instead of signing another.
 */
public interface SlotSigner {
    Envelope signOnce(String slot, MessageType type, Body body, String topic, boolean retained);
}
