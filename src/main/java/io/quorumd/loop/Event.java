package io.quorumd.loop;

/**
 * Everything the loop thread handles. Each kind dispatches to its own {@link EventHandler} method, so a
 * new kind does not compile until every handler handles it.
 */
public sealed interface Event permits InboundMessage, TimerFired, ControlRequest, Shutdown {
    void dispatch(EventHandler handler);
}
