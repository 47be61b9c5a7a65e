package io.quorumd.loop;

import io.quorumd.wire.Envelope;
import io.quorumd.wire.Member;

/**
 * A decoded, roster-checked, signature-verified message as it arrived on {@code topic}: live from the
 * broker, or as history inside a sync page ({@link Origin#SYNC}), which rules about freshness judge
 * differently.
 */
public record InboundMessage(String topic, Envelope envelope, Member sender, Origin origin) implements Event {
    /** Where a message came from: live, retained by the broker (delivered on subscribe), or a sync page. */
    public enum Origin { LIVE, RETAINED, SYNC }

    public InboundMessage(String topic, Envelope envelope, Member sender) {
        this(topic, envelope, sender, Origin.LIVE);
    }

    @Override
    public void dispatch(EventHandler handler) {
        handler.onMessage(this);
    }
}
