package io.quorumd.loop;

/** Stop taking input, finish this batch, and leave the loop. */
public record Shutdown(String reason) implements Event {
    @Override
    public void dispatch(EventHandler handler) {
        handler.onShutdown(this);
    }
}
