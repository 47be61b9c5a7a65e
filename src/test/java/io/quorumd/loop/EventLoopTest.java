package io.quorumd.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.quorumd.crypto.NodeKey;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Heartbeat;
import io.quorumd.wire.Member;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.Role;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class EventLoopTest {
    private static final NodeKey KEY = NodeKey.fromSeed(new byte[32]);
    private static final Member SENDER = new Member("n", KEY.publicKey(), Set.of(Role.VOTER));
    private static final Consumer<Throwable> NO_FATAL = t -> {
        throw new AssertionError("unexpected fatal error on the loop", t);
    };
    /** Heartbeat seq that makes the recorder throw an Error, as a handler bug of the worst kind would. */
    private static final long ERROR_SEQ = 66;

    private static InboundMessage message(long seq) {
        Envelope env = new EnvelopeSigner(KEY, Clock.systemUTC()).sign(MessageType.PRESENCE_HEARTBEAT, new Heartbeat(1, seq));
        return new InboundMessage("t", env, SENDER);
    }

    /** Records what it sees; blocks on the first message until released, so the queue can fill. */
    private static final class Recorder implements EventHandler {
        final List<Object> seen = new CopyOnWriteArrayList<>();
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch blocked = new CountDownLatch(1);
        volatile int batches;
        volatile boolean blockFirst;
        volatile boolean afterBatchThrows;

        @Override
        public void onMessage(InboundMessage m) {
            if (blockFirst && seen.isEmpty()) {
                blocked.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            long seq = ((Heartbeat) m.envelope().body()).seq();
            if (seq == 13) {
                throw new IllegalStateException("handler bug on purpose");
            }
            if (seq == ERROR_SEQ) {
                throw new StackOverflowError("deep recursion on purpose");
            }
            seen.add(m.envelope().body());
        }

        @Override
        public void onTimer(TimerFired t) {
            seen.add(t.key());
        }

        @Override
        public void onControl(ControlRequest r) {
            r.reply().complete(r.action().apply(this));
        }

        @Override
        public void onShutdown(Shutdown s) {
            seen.add(s);
        }

        @Override
        public void afterBatch() {
            if (afterBatchThrows) {
                throw new IllegalStateException("group commit bug on purpose");
            }
            batches++;
        }
    }

    private record Tick(int n) implements TimerKey {
    }

    @Test
    void fullQueueDropsMessagesButNeverTimersOrCommands() throws Exception {
        Recorder r = new Recorder();
        r.blockFirst = true;
        EventLoop loop = new EventLoop(3, 16, r, Map.of(), NO_FATAL);
        loop.start();
        assertTrue(loop.offerMessage(message(0)));
        assertTrue(r.blocked.await(5, TimeUnit.SECONDS));
        assertTrue(loop.offerMessage(message(1)));
        assertTrue(loop.offerMessage(message(2)));
        assertTrue(loop.offerMessage(message(3)));
        assertFalse(loop.offerMessage(message(4)), "fourth queued message exceeds capacity 3");
        for (int i = 0; i < 10; i++) {
            loop.submit(new TimerFired(new Tick(i)));
        }
        r.release.countDown();
        CompletableFuture<Object> done = new CompletableFuture<>();
        loop.submit(new ControlRequest("count", h -> r.seen.size(), done));
        assertEquals(14, done.get(5, TimeUnit.SECONDS), "4 messages and 10 timers handled before the request");
        assertEquals(0, loop.queuedMessages());
    }

    @Test
    void failingHandlerDoesNotStopTheLoop() throws Exception {
        Recorder r = new Recorder();
        EventLoop loop = new EventLoop(100, 16, r, Map.of(), NO_FATAL);
        loop.start();
        loop.offerMessage(message(12));
        loop.offerMessage(message(13));
        loop.offerMessage(message(14));
        CompletableFuture<Object> done = new CompletableFuture<>();
        loop.submit(new ControlRequest("seen", h -> List.copyOf(r.seen), done));
        assertEquals(List.of(new Heartbeat(1, 12), new Heartbeat(1, 14)), done.get(5, TimeUnit.SECONDS));
        CompletableFuture<Object> batches = new CompletableFuture<>();
        loop.submit(new ControlRequest("batches", h -> r.batches, batches));
        assertTrue((Integer) batches.get(5, TimeUnit.SECONDS) >= 1, "the earlier batch was closed by afterBatch");
    }

    @Test
    void aRefusedRequestIsAnsweredWithoutAHandlerFailure() throws Exception {
        Recorder r = new Recorder();
        EventLoop loop = new EventLoop(100, 16, r, Map.of(), NO_FATAL);
        loop.start();
        CompletableFuture<Object> refused = new CompletableFuture<>();
        loop.submit(new ControlRequest("vote", h -> {
            throw new RequestRefused("unknown dispute 42");
        }, refused));
        ExecutionException e = assertThrows(ExecutionException.class, () -> refused.get(5, TimeUnit.SECONDS));
        assertEquals("unknown dispute 42", e.getCause().getMessage());
        CompletableFuture<Object> broken = new CompletableFuture<>();
        loop.submit(new ControlRequest("bug", h -> {
            throw new IllegalStateException("a bug");
        }, broken));
        assertThrows(ExecutionException.class, () -> broken.get(5, TimeUnit.SECONDS));
        assertEquals(1, loop.handlerFailures(), "the refusal is an answer, only the bug is a failure");
    }

    @Test
    void shutdownEndsTheLoopAfterItsBatch() throws Exception {
        Recorder r = new Recorder();
        EventLoop loop = new EventLoop(100, 16, r, Map.of(), NO_FATAL);
        loop.start();
        loop.submit(new Shutdown("test"));
        assertTrue(loop.awaitTermination(Duration.ofSeconds(5)));
        assertEquals(List.of(new Shutdown("test")), r.seen);
        assertFalse(loop.offerMessage(message(1)), "a stopped loop takes no input");
    }

    @Test
    void loopThreadHasItsName() throws Exception {
        Recorder r = new Recorder();
        EventLoop loop = new EventLoop(10, 16, r, Map.of(), NO_FATAL);
        loop.start();
        CompletableFuture<Object> name = new CompletableFuture<>();
        loop.submit(new ControlRequest("name", h -> Thread.currentThread().getName(), name));
        assertEquals(EventLoop.THREAD_NAME, name.get(5, TimeUnit.SECONDS));
        loop.submit(new Shutdown("test"));
    }

    /** Counts fatal reports and keeps the first. */
    private static final class Fatal implements Consumer<Throwable> {
        final AtomicInteger calls = new AtomicInteger();
        final CompletableFuture<Throwable> first = new CompletableFuture<>();

        @Override
        public void accept(Throwable t) {
            calls.incrementAndGet();
            first.complete(t);
        }
    }

    /** Captures what the loop logs, for as long as the test needs it. */
    private static ListAppender<ILoggingEvent> captureLoopLog() {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(EventLoop.class)).addAppender(appender);
        return appender;
    }

    private static void release(ListAppender<ILoggingEvent> appender) {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(EventLoop.class)).detachAppender(appender);
    }

    private static Object ask(EventLoop loop, Function<EventHandler, Object> action) throws Exception {
        CompletableFuture<Object> reply = new CompletableFuture<>();
        loop.submit(new ControlRequest("ask", action, reply));
        return reply.get(5, TimeUnit.SECONDS);
    }

    private static long stackTraces(ListAppender<ILoggingEvent> log) {
        return log.list.stream().filter(e -> e.getThrowableProxy() != null).count();
    }

    private static String kv(ILoggingEvent e, String key) {
        return e.getKeyValuePairs() == null ? null : e.getKeyValuePairs().stream()
                .filter(p -> p.key.equals(key)).map(p -> String.valueOf(p.value)).findFirst().orElse(null);
    }

    @Test
    void anErrorInAHandlerIsFatalOnceAndNothingAfterItIsHandled() throws Exception {
        Recorder r = new Recorder();
        r.blockFirst = true;
        Fatal fatal = new Fatal();
        ListAppender<ILoggingEvent> log = captureLoopLog();
        try {
            EventLoop loop = new EventLoop(100, 16, r, Map.of(), fatal);
            loop.start();
            assertTrue(loop.offerMessage(message(12)));
            assertTrue(r.blocked.await(5, TimeUnit.SECONDS));
            assertTrue(loop.offerMessage(message(ERROR_SEQ)));
            assertTrue(loop.offerMessage(message(14)));
            r.release.countDown();

            Throwable cause = fatal.first.get(5, TimeUnit.SECONDS);
            assertInstanceOf(StackOverflowError.class, cause);
            assertTrue(loop.awaitTermination(Duration.ofSeconds(5)), "the loop thread ends");
            assertFalse(loop.offerMessage(message(15)), "a dead loop takes no more input");
            CompletableFuture<Object> late = new CompletableFuture<>();
            loop.submit(new ControlRequest("late", h -> "answered", late));
            ExecutionException refused = assertThrows(ExecutionException.class, () -> late.get(5, TimeUnit.SECONDS));
            assertTrue(refused.getCause().getMessage().contains("event loop has stopped"), refused.getCause().getMessage());

            assertEquals(List.of(new Heartbeat(1, 12)), r.seen, "nothing after the Error is handled");
            assertEquals(1, r.batches, "only the batch before the Error is closed: the broken one is neither committed nor published");
            assertEquals(1, fatal.calls.get());
            List<ILoggingEvent> errors = log.list.stream().filter(e -> e.getLevel() == Level.ERROR).toList();
            assertEquals(1, errors.size(), "logged once: " + errors);
            assertEquals(StackOverflowError.class.getName(), errors.get(0).getThrowableProxy().getClassName());
            assertEquals("message:presence.heartbeat", kv(errors.get(0), "event"));
        } finally {
            release(log);
        }
    }

    @Test
    void anythingEscapingAfterBatchIsFatal() throws Exception {
        Recorder r = new Recorder();
        Fatal fatal = new Fatal();
        EventLoop loop = new EventLoop(100, 16, r, Map.of(), fatal);
        loop.start();
        assertEquals("first", ask(loop, h -> "first"));
        r.afterBatchThrows = true;
        loop.offerMessage(message(1));
        assertInstanceOf(IllegalStateException.class, fatal.first.get(5, TimeUnit.SECONDS));
        assertTrue(loop.awaitTermination(Duration.ofSeconds(5)));
        assertEquals(1, fatal.calls.get());
        assertEquals(0, loop.handlerFailures(), "a fatal error is not a handler failure");
    }

    @Test
    void aThousandHandlerFailuresLogOneStackTraceAndAreAllCounted() throws Exception {
        Recorder r = new Recorder();
        AtomicLong nanos = new AtomicLong();
        ListAppender<ILoggingEvent> log = captureLoopLog();
        try {
            EventLoop loop = new EventLoop(2_000, 64, r, Map.of(), NO_FATAL, nanos::get);
            loop.start();
            for (int i = 0; i < 1_000; i++) {
                assertTrue(loop.offerMessage(message(13)));
            }
            assertEquals(0, ask(loop, h -> r.seen.size()), "every one of them failed");
            assertEquals(1_000, loop.handlerFailures());
            assertEquals(1, stackTraces(log), "one stack trace for 1,000 failures of one type in one window");

            nanos.addAndGet(HandlerFailures.WINDOW.toNanos());
            ask(loop, h -> "closes the window");
            ILoggingEvent summary = log.list.stream().filter(e -> e.getMessage().contains("suppressed")).findFirst()
                    .orElseThrow(() -> new AssertionError("no suppression summary in " + log.list));
            assertEquals("999", kv(summary, "suppressed"));
            assertEquals("message:presence.heartbeat", kv(summary, "event"));

            loop.offerMessage(message(13));
            assertEquals(0, ask(loop, h -> r.seen.size()));
            assertEquals(1_001, loop.handlerFailures());
            assertEquals(2, stackTraces(log), "a new window logs the next failure in full again");
            loop.submit(new Shutdown("test"));
            assertTrue(loop.awaitTermination(Duration.ofSeconds(5)));
        } finally {
            release(log);
        }
    }
}
