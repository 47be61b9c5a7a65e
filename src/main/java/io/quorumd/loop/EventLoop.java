package io.quorumd.loop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The one thread that owns protocol state. Network messages enter through a bounded count
 * ({@link #offerMessage}: a full loop drops them and says so); timers, control requests and shutdown are
 * never dropped. Events are handled in batches of up to {@code maxBatch}; an exception in one handler is
 * logged and the loop goes on; {@link EventHandler#afterBatch()} runs after every batch.
 */
public final class EventLoop {
    public static final String THREAD_NAME = "quorumd-loop";
    private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);

    private final LinkedBlockingQueue<Event> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger queuedMessages = new AtomicInteger();
    private final int capacity;
    private final int maxBatch;
    private final EventHandler handler;
    private final Map<String, String> mdc;
    private final Thread thread;
    private volatile boolean running;

    public EventLoop(int capacity, int maxBatch, EventHandler handler, Map<String, String> mdc) {
        this.capacity = capacity;
        this.maxBatch = maxBatch;
        this.handler = handler;
        this.mdc = Map.copyOf(mdc);
        this.thread = new Thread(this::run, THREAD_NAME);
        this.thread.setDaemon(true);
    }

    public void start() {
        running = true;
        thread.start();
    }

    /** Enqueues a network message; false (dropped) when {@code capacity} messages are already waiting. */
    public boolean offerMessage(InboundMessage message) {
        if (!running) {
            return false;
        }
        if (queuedMessages.incrementAndGet() > capacity) {
            queuedMessages.decrementAndGet();
            return false;
        }
        queue.add(message);
        return true;
    }

    /** Enqueues a timer, control request or shutdown; never dropped. */
    public void submit(Event event) {
        queue.add(event);
    }

    public boolean isLoopThread() {
        return Thread.currentThread() == thread;
    }

    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        thread.join(timeout.toMillis());
        return !thread.isAlive();
    }

    public int queuedMessages() {
        return queuedMessages.get();
    }

    private void run() {
        mdc.forEach(MDC::put);
        List<Event> batch = new ArrayList<>(maxBatch);
        while (running) {
            try {
                Event first = queue.poll(1, TimeUnit.SECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
                break;
            }
            for (Event event : batch) {
                if (event instanceof InboundMessage) {
                    queuedMessages.decrementAndGet();
                }
                if (event instanceof Shutdown) {
                    running = false;
                }
                handleOne(event);
            }
            batch.clear();
            try {
                handler.afterBatch();
            } catch (RuntimeException e) {
                LOG.atError().setCause(e).log("after-batch step failed");
            }
        }
    }

    private void handleOne(Event event) {
        try {
            event.dispatch(handler);
        } catch (RuntimeException e) {
            LOG.atError().addKeyValue("event", event.getClass().getSimpleName()).setCause(e).log("event handler failed");
            if (event instanceof ControlRequest request) {
                request.reply().completeExceptionally(e);
            }
        }
    }
}
