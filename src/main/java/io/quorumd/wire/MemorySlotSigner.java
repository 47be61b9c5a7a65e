package io.quorumd.wire;

import io.quorumd.loop.Outbox;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link SlotSigner} without a ledger (benchmarks, and tests that drive one machine alone): the first call for
 * a slot signs and publishes to the outbox at once, later calls return what was signed. Nothing survives the
 * process, so a node never uses it.
 */
public final class MemorySlotSigner implements SlotSigner {
    private final Map<String, Envelope> slots = new HashMap<>();
    private final EnvelopeSigner signer;
    private final Outbox outbox;

    public MemorySlotSigner(EnvelopeSigner signer, Outbox outbox) {
        this.signer = signer;
        this.outbox = outbox;
    }

    @Override
    public Envelope signOnce(String slot, MessageType type, Body body, String topic, boolean retained) {
        Envelope earlier = slots.get(slot);
        if (earlier != null) {
            return earlier;
        }
        Envelope env = signer.sign(type, body);
        slots.put(slot, env);
        outbox.publish(topic, env, retained);
        return env;
    }

    @Override
    public Optional<Envelope> signed(String slot) {
        return Optional.ofNullable(slots.get(slot));
    }
}
