package io.quorumd.loop;

import java.time.Duration;

/**
 * Delivers {@link TimerFired} events after a delay. Timers only enqueue; the real one uses a timer thread,
 * the virtual one in tests advances a virtual clock.
 */
public interface Scheduler {
    Cancellable schedule(Duration delay, TimerKey key);

    /** A scheduled timer that can be called off; cancelling a fired timer does nothing. */
    interface Cancellable {
        void cancel();
    }
}
