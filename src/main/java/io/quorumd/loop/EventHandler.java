package io.quorumd.loop;

/** The loop thread's view of a node: one method per event kind, called on the loop thread only. */
public interface EventHandler {
    void onMessage(InboundMessage message);

    void onTimer(TimerFired timer);

    void onControl(ControlRequest request);

    void onShutdown(Shutdown shutdown);

    /** Called once after each batch of events; the place for group commit and the batch's publishes. */
    void afterBatch();
}
