package io.quorumd.loop;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Work asked of the loop from another thread (the control socket, a test, the demo): runs against the
 * loop-owned state and completes {@code reply} with its answer.
 */
public record ControlRequest(String name, Function<EventHandler, Object> action, CompletableFuture<Object> reply)
        implements Event {
    @Override
    public void dispatch(EventHandler handler) {
        handler.onControl(this);
    }
}
