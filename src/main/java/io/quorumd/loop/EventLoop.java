package io.quorumd.loop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The one thread that owns protocol state. Network messages enter through a bounded count
 * ({@link #offerMessage}: a full loop drops them and says so); timers, control requests and shutdown are
 * never dropped. Events are handled in batches of up to {@code maxBatch}; {@link EventHandler#afterBatch()}
 * runs after every batch.
 *
 * <p>Two kinds of failure on the loop thread:
 * <ul>
 *   <li>A {@link RuntimeException} from one event's handler is that event's failure: it is counted
 *       ({@link #handlerFailures()}), logged at a bounded rate ({@link HandlerFailures}), and the loop goes
 *       on with the next event.</li>
 *   <li>Anything else — an {@link Error} (OutOfMemoryError, StackOverflowError, AssertionError…) from a
 *       handler, or any throwable escaping {@code afterBatch} (group commit and the batch's publishes) — is
 *       fatal: the state may be half-changed, so the rest of the batch is not handled, its
 *       {@code afterBatch} does not run (nothing of it is committed or published), the loop stops taking
 *       input, the cause is logged once at ERROR and {@code onFatal} is called once, on the loop thread,
 *       just before the thread ends. The daemon exits non-zero from there.</li>
 * </ul>
 * Once the loop has ended, control requests still queued or submitted later fail at once instead of
 * waiting for an answer that will never come.
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
    private final Consumer<Throwable> onFatal;
    private final HandlerFailures failures;
    private final AtomicBoolean fatalReported = new AtomicBoolean();
    private final Thread thread;
    private volatile boolean running;
    private volatile boolean ended;

    /** {@code onFatal} learns of an error that stopped the loop; it is called at most once. */
    public EventLoop(int capacity, int maxBatch, EventHandler handler, Map<String, String> mdc,
                     Consumer<Throwable> onFatal) {
        this(capacity, maxBatch, handler, mdc, onFatal, System::nanoTime);
    }

    /** As above, with the monotonic time source of the failure log's rate limit injected (tests). */
    EventLoop(int capacity, int maxBatch, EventHandler handler, Map<String, String> mdc,
              Consumer<Throwable> onFatal, LongSupplier nanoTime) {
        this.capacity = capacity;
        this.maxBatch = maxBatch;
        this.handler = handler;
        this.mdc = Map.copyOf(mdc);
        this.onFatal = onFatal;
        this.failures = new HandlerFailures(nanoTime);
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

    /** Enqueues a timer, control request or shutdown; never dropped while the loop runs. */
    public void submit(Event event) {
        queue.add(event);
        if (ended) {
            failLeftovers();
        }
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

    /** Handler failures (RuntimeExceptions) so far, logged or suppressed; safe from any thread. */
    public long handlerFailures() {
        return failures.total();
    }

    private void run() {
        mdc.forEach(MDC::put);
        List<Event> batch = new ArrayList<>(maxBatch);
        try {
            while (running) {
                try {
                    Event first = queue.poll(1, TimeUnit.SECONDS);
                    if (first != null) {
                        batch.add(first);
                        queue.drainTo(batch, maxBatch - 1);
                        handleBatch(batch);
                        batch.clear();
                    }
                    failures.flush();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    running = false;
                }
            }
        } catch (Throwable fatal) { // deliberately everything: see the class comment
            running = false;
            reportFatal(fatal);
        } finally {
            ended = true;
            failLeftovers();
        }
    }

    /** Handles one batch; throws only what is fatal, after answering a control request it broke. */
    private void handleBatch(List<Event> batch) throws FatalOnLoop {
        for (Event event : batch) {
            if (event instanceof InboundMessage) {
                queuedMessages.decrementAndGet();
            }
            if (event instanceof Shutdown) {
                running = false;
            }
            try {
                event.dispatch(handler);
            } catch (RequestRefused refused) {
                if (event instanceof ControlRequest request) {
                    request.reply().completeExceptionally(refused);
                } else {
                    failures.record(event, refused);
                }
            } catch (RuntimeException e) {
                failures.record(event, e);
                if (event instanceof ControlRequest request) {
                    request.reply().completeExceptionally(e);
                }
            } catch (Throwable fatal) {
                if (event instanceof ControlRequest request) {
                    request.reply().completeExceptionally(fatal);
                }
                throw new FatalOnLoop(HandlerFailures.typeOf(event), fatal);
            }
        }
        try {
            handler.afterBatch();
        } catch (Throwable fatal) {
            throw new FatalOnLoop("after-batch", fatal);
        }
    }

    /** Carries where a fatal throwable came from to the one place that reports it. */
    private static final class FatalOnLoop extends Exception {
        private static final long serialVersionUID = 1L;
        final String where;

        FatalOnLoop(String where, Throwable cause) {
            super(cause);
            this.where = where;
        }
    }

    private void reportFatal(Throwable thrown) {
        if (!fatalReported.compareAndSet(false, true)) {
            return;
        }
        String where = thrown instanceof FatalOnLoop f ? f.where : "loop";
        Throwable cause = thrown instanceof FatalOnLoop ? thrown.getCause() : thrown;
        try {
            LOG.atError().addKeyValue("event", where).addKeyValue("error", String.valueOf(cause))
                    .setCause(cause).log("fatal error on the loop thread; loop stopped, exiting");
        } catch (Throwable logFailed) { // e.g. out of memory again; the callback below matters more
            // nothing else can be done about a log line that cannot be written
        }
        onFatal.accept(cause);
    }

    /** After the loop ended: fail every control request still queued, so nobody waits for an answer. */
    private void failLeftovers() {
        Event e;
        while ((e = queue.poll()) != null) {
            if (e instanceof ControlRequest request) {
                request.reply().completeExceptionally(new IllegalStateException("the daemon's event loop has stopped"));
            } else if (e instanceof InboundMessage) {
                queuedMessages.decrementAndGet();
            }
        }
    }
}
