package io.quorumd.sim;

import io.quorumd.loop.Scheduler;
import io.quorumd.loop.TimerFired;
import io.quorumd.loop.TimerKey;
import java.time.Duration;
import java.util.PriorityQueue;
import java.util.function.Consumer;

/**
 * Timers in virtual time: {@link #advance} moves the clock to each due timer in order (ties in
 * scheduling order) and delivers its {@link TimerFired} to the sink, so hours pass in microseconds.
 */
public final class VirtualScheduler implements Scheduler {
    private record Due(long at, long order, TimerKey key, boolean[] cancelled) {
    }

    private final VirtualClock clock;
    private final PriorityQueue<Due> queue = new PriorityQueue<>((a, b) -> a.at != b.at
            ? Long.compare(a.at, b.at) : Long.compare(a.order, b.order));
    private Consumer<TimerFired> sink = t -> { };
    private long order;

    public VirtualScheduler(VirtualClock clock) {
        this.clock = clock;
    }

    public void deliverTo(Consumer<TimerFired> sink) {
        this.sink = sink;
    }

    @Override
    public Cancellable schedule(Duration delay, TimerKey key) {
        boolean[] cancelled = {false};
        queue.add(new Due(clock.millis() + Math.max(0, delay.toMillis()), order++, key, cancelled));
        return () -> cancelled[0] = true;
    }

    /** Runs every timer due within {@code d}, then leaves the clock at now + d. */
    public void advance(Duration d) {
        long until = clock.millis() + d.toMillis();
        while (!queue.isEmpty() && queue.peek().at <= until) {
            Due due = queue.poll();
            clock.set(due.at);
            if (!due.cancelled[0]) {
                sink.accept(new TimerFired(due.key));
            }
        }
        clock.set(until);
    }

}
