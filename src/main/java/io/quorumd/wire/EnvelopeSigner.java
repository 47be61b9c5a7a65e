package io.quorumd.wire;

import io.quorumd.crypto.NodeKey;
import java.time.Clock;

/**
 * Signs bodies as this node, stamping the envelope with the injected clock's time. A body that a peer's
 * decoder would refuse (see {@link MessageType#checked}) is never signed: IllegalArgumentException instead.
 */
public final class EnvelopeSigner {
    private final NodeKey key;
    private final Clock clock;

    public EnvelopeSigner(NodeKey key, Clock clock) {
        this.key = key;
        this.clock = clock;
    }

    public Envelope sign(MessageType type, Body body) {
        return signAt(type, body, clock.millis());
    }

    public Envelope signAt(MessageType type, Body body, long ts) {
        try {
            type.checked(body);
        } catch (DecodeException e) {
            throw new IllegalArgumentException("refusing to sign a " + type.wireName() + " peers would reject: "
                    + e.getMessage(), e);
        }
        return new Envelope(type, key.nodeId(), ts, body,
                key.sign(Envelope.signingBytes(type, key.nodeId(), ts, body)));
    }

    public NodeKey key() {
        return key;
    }
}
