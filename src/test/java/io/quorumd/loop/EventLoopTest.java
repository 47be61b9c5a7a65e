package io.quorumd.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EventLoopTest {
    private static final NodeKey KEY = NodeKey.fromSeed(new byte[32]);
    private static final Member SENDER = new Member("n", KEY.publicKey(), Set.of(Role.VOTER));

    private static InboundMessage message(long seq) {
        Envelope env = new EnvelopeSigner(KEY, Clock.systemUTC()).sign(MessageType.PRESENCE_HEARTBEAT, new Heartbeat(1, seq));
        return new InboundMessage("t", env, SENDER, false);
    }

    /** Records what it sees; blocks on the first message until released, so the queue can fill. */
    private static final class Recorder implements EventHandler {
        final List<Object> seen = new CopyOnWriteArrayList<>();
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch blocked = new CountDownLatch(1);
        volatile int batches;
        volatile boolean blockFirst;

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
            if (((Heartbeat) m.envelope().body()).seq() == 13) {
                throw new IllegalStateException("handler bug on purpose");
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
            batches++;
        }
    }

    private record Tick(int n) implements TimerKey {
    }

    @Test
    void fullQueueDropsMessagesButNeverTimersOrCommands() throws Exception {
        Recorder r = new Recorder();
        r.blockFirst = true;
        EventLoop loop = new EventLoop(3, 16, r, Map.of());
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
        EventLoop loop = new EventLoop(100, 16, r, Map.of());
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
    void shutdownEndsTheLoopAfterItsBatch() throws Exception {
        Recorder r = new Recorder();
        EventLoop loop = new EventLoop(100, 16, r, Map.of());
        loop.start();
        loop.submit(new Shutdown("test"));
        assertTrue(loop.awaitTermination(Duration.ofSeconds(5)));
        assertEquals(List.of(new Shutdown("test")), r.seen);
        assertFalse(loop.offerMessage(message(1)), "a stopped loop takes no input");
    }

    @Test
    void loopThreadHasItsName() throws Exception {
        Recorder r = new Recorder();
        EventLoop loop = new EventLoop(10, 16, r, Map.of());
        loop.start();
        CompletableFuture<Object> name = new CompletableFuture<>();
        loop.submit(new ControlRequest("name", h -> Thread.currentThread().getName(), name));
        assertEquals(EventLoop.THREAD_NAME, name.get(5, TimeUnit.SECONDS));
        loop.submit(new Shutdown("test"));
    }
}
