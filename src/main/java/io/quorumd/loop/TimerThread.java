package io.quorumd.loop;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** The production {@link Scheduler}: one daemon timer thread that enqueues {@link TimerFired} into a loop. */
public final class TimerThread implements Scheduler, AutoCloseable {
    private final ScheduledExecutorService executor;
    private final Consumer<Event> sink;

    /** Timers fire into {@code sink}, normally {@code loop::submit}. */
    public TimerThread(Consumer<Event> sink) {
        this.sink = sink;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "quorumd-timers");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public Cancellable schedule(Duration delay, TimerKey key) {
        ScheduledFuture<?> f = executor.schedule(() -> sink.accept(new TimerFired(key)),
                Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
