package io.quorumd.loop;

import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rate-limited log of event handlers that threw a {@link RuntimeException}. A hostile peer can make a
 * handler fail on every message it sends; it must not be able to turn that into thousands of stack traces.
 * Per event type, the first failure in a {@link #WINDOW} is logged with its stack trace, later ones in the
 * same window are only counted, and once the window has passed one line says how many were suppressed
 * (from {@link #flush}, called after every batch and at least once a second, or on the next failure).
 *
 * <p>Invariants: every failure increments {@link #total()}; at most one stack trace per type per window;
 * the map holds one entry per event type, a set fixed by the code (event kinds, wire message types, timer
 * key classes), so its size does not depend on what peers send. Loop thread only, except {@link #total()}.
 */
final class HandlerFailures {
    static final Duration WINDOW = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);

    private final LongSupplier nanoTime;
    private final Map<String, Window> windows = new HashMap<>();
    private final AtomicLong total = new AtomicLong();

    /** Failures of one type since the stack trace that opened the window. */
    private static final class Window {
        final long openedAt;
        long suppressed;

        Window(long openedAt) {
            this.openedAt = openedAt;
        }
    }

    HandlerFailures(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** The type a failure is counted under: bounded by the code, never by what a peer sends. */
    static String typeOf(Event event) {
        if (event instanceof InboundMessage m) {
            return "message:" + m.envelope().type().wireName();
        }
        if (event instanceof TimerFired t) {
            return "timer:" + t.key().getClass().getSimpleName();
        }
        return event instanceof ControlRequest ? "control" : "shutdown";
    }

    void record(Event event, RuntimeException e) {
        total.incrementAndGet();
        String type = typeOf(event);
        long now = nanoTime.getAsLong();
        Window w = windows.get(type);
        if (w != null && now - w.openedAt < WINDOW.toNanos()) {
            w.suppressed++;
            return;
        }
        windows.put(type, new Window(now));
        LOG.atError().addKeyValue("event", type).addKeyValue("suppressed_before", w == null ? 0 : w.suppressed)
                .addKeyValue("failures_total", total.get()).setCause(e).log("event handler failed");
    }

    /** Closes every window that has passed, saying how many failures it suppressed. */
    void flush() {
        if (windows.isEmpty()) {
            return;
        }
        long now = nanoTime.getAsLong();
        for (Iterator<Map.Entry<String, Window>> it = windows.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Window> e = it.next();
            Window w = e.getValue();
            if (now - w.openedAt < WINDOW.toNanos()) {
                continue;
            }
            it.remove();
            if (w.suppressed > 0) {
                LOG.atWarn().addKeyValue("event", e.getKey()).addKeyValue("suppressed", w.suppressed)
                        .addKeyValue("window_s", WINDOW.toSeconds()).addKeyValue("failures_total", total.get())
                        .log("event handler failures suppressed");
            }
        }
    }

    long total() {
        return total.get();
    }
}
