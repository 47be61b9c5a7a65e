package io.quorumd.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.loop.Outbox;
import io.quorumd.wire.Body;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Json;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.SlotSigner;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@link SlotSigner} backed by the ledger: a {@code signed} entry per slot, appended before the message
 * goes to the outbox (which publishes only after the batch's fsync). The slot table is rebuilt from the
 * ledger at start, so a restarted node never signs a second, different message for a slot.
 */
public final class LedgeredSigner implements SlotSigner {
    /** What was signed for one slot. */
    public record Signed(String topic, boolean retained, Envelope envelope) {
    }

    private final Map<String, Signed> slots = new HashMap<>();
    private final EnvelopeSigner signer;
    private Ledger ledger;
    private final Outbox outbox;

    public LedgeredSigner(EnvelopeSigner signer, Outbox outbox) {
        this.signer = signer;
        this.outbox = outbox;
    }

    public void attach(Ledger ledger) {
        this.ledger = ledger;
    }

    /**
     * Replay of a {@code signed} entry whose envelope the caller already decoded. An entry without a slot records a
     * message signed once and not for a slot (a ticket batch): nothing to keep here.
     */
    public Optional<String> replay(LedgerEntry entry, Envelope env) {
        ObjectNode d = entry.data();
        JsonNode slot = d.get("slot");
        if (d.get("topic") == null || (slot != null && !slot.isTextual())) {
            return Optional.of("signed entry lacks a topic, or its slot is not text");
        }
        if (slot == null) {
            return Optional.empty();
        }
        slots.putIfAbsent(slot.textValue(), new Signed(d.get("topic").asText(), d.path("retained").asBoolean(), env));
        return Optional.empty();
    }

    @Override
    public Envelope signOnce(String slot, MessageType type, Body body, String topic, boolean retained) {
        Signed earlier = slots.get(slot);
        if (earlier != null) {
            return earlier.envelope();
        }
        Envelope env = record(slot, type, body, topic, retained);
        slots.put(slot, new Signed(topic, retained, env));
        return env;
    }

    /**
     * Signs a message that belongs to no slot (each is new, e.g. a ticket batch): a {@code signed} entry without a
     * slot, then the publish after the batch's fsync. Nothing is kept in memory.
     */
    public Envelope signRecorded(MessageType type, Body body, String topic) {
        return record(null, type, body, topic, false);
    }

    private Envelope record(String slot, MessageType type, Body body, String topic, boolean retained) {
        Envelope env = signer.sign(type, body);
        ObjectNode data = Json.object();
        if (slot != null) {
            data.put("slot", slot);
        }
        data.put("topic", topic);
        data.put("retained", retained);
        data.set("envelope", env.toJson());
        ledger.append(EntryKind.SIGNED, data);
        outbox.publish(topic, env, retained);
        return env;
    }

    @Override
    public Optional<Envelope> signed(String slot) {
        return Optional.ofNullable(slots.get(slot)).map(Signed::envelope);
    }

    public Map<String, Signed> slots() {
        return Map.copyOf(slots);
    }
}
