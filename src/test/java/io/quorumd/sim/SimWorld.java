package io.quorumd.sim;

import io.quorumd.loop.Scheduler;
import io.quorumd.loop.TimerFired;
import io.quorumd.loop.TimerKey;
import java.time.Duration;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Virtual time for many nodes: one queue of tasks in time order (ties in insertion order), one clock, one
 * seeded random source. Everything a run does follows from its seed.
 */
public final class SimWorld {
    private record Task(long at, long order, Runnable action) {
    }

    private final VirtualClock clock;
    private final Random random;
    private final long seed;
    private final PriorityQueue<Task> queue = new PriorityQueue<>((a, b) -> a.at != b.at
            ? Long.compare(a.at, b.at) : Long.compare(a.order, b.order));
    private long order;
    private long tasksRun;

    public SimWorld(long seed, long startMillis) {
        this.seed = seed;
        this.random = new Random(seed);
        this.clock = new VirtualClock(startMillis);
    }

    public VirtualClock clock() {
        return clock;
    }

    public Random random() {
        return random;
    }

    public long seed() {
        return seed;
    }

    public long now() {
        return clock.millis();
    }

    /** Runs {@code action} after {@code delayMs} of monotonic time (a wall-clock jump does not move it). */
    public void after(long delayMs, Runnable action) {
        queue.add(new Task(clock.monotonic() + Math.max(0, delayMs), order++, action));
    }

    /** Runs every task due up to now + {@code d}; the clock ends at now + d. */
    public void run(Duration d) {
        long until = clock.monotonic() + d.toMillis();
        while (!queue.isEmpty() && queue.peek().at <= until) {
            Task t = queue.poll();
            clock.setMonotonic(t.at);
            tasksRun++;
            t.action.run();
        }
        clock.setMonotonic(until);
    }

    /** Runs until {@code done} holds or {@code limit} passes; true if it held. */
    public boolean runUntil(Duration limit, java.util.function.BooleanSupplier done) {
        long until = clock.monotonic() + limit.toMillis();
        while (!done.getAsBoolean()) {
            if (queue.isEmpty() || queue.peek().at > until) {
                clock.setMonotonic(until);
                return done.getAsBoolean();
            }
            Task t = queue.poll();
            clock.setMonotonic(t.at);
            tasksRun++;
            t.action.run();
        }
        return true;
    }

    public long tasksRun() {
        return tasksRun;
    }

    /** A scheduler whose timers fire into {@code sink} while {@code alive} says so. */
    public Scheduler scheduler(Consumer<TimerFired> sink, java.util.function.BooleanSupplier alive) {
        return (Duration delay, TimerKey key) -> {
            boolean[] cancelled = {false};
            after(delay.toMillis(), () -> {
                if (!cancelled[0] && alive.getAsBoolean()) {
                    sink.accept(new TimerFired(key));
                }
            });
            return () -> cancelled[0] = true;
        };
    }
}
