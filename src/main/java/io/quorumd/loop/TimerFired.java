package io.quorumd.loop;

/** A timer came due. */
public record TimerFired(TimerKey key) implements Event {
    @Override
    public void dispatch(EventHandler handler) {
        handler.onTimer(this);
    }
}
