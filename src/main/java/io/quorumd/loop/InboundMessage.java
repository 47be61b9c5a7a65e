package io.quorumd.loop;

import io.quorumd.wire.Envelope;
import io.quorumd.wire.Member;

/** A decoded, roster-checked, signature-verified message as it arrived on {@code topic}. */
public record InboundMessage(String topic, Envelope envelope, Member sender) implements Event {
    @Override
    public void dispatch(EventHandler handler) {
        handler.onMessage(this);
    }
}
