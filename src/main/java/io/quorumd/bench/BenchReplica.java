package io.quorumd.bench;

import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import io.quorumd.loop.Scheduler;
import io.quorumd.loop.TimerKey;
import io.quorumd.mqtt.NoDelaySocketFactory;
import io.quorumd.order.FederationState;
import io.quorumd.order.OrderJournal;
import io.quorumd.order.OrderParams;
import io.quorumd.order.Replica;
import io.quorumd.order.ReplicaSet;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeCodec;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.InboundVerifier;
import io.quorumd.wire.MemorySlotSigner;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderItem;
import io.quorumd.wire.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * One {@link Replica} of the ordering benchmark wired to a real broker the way a node would be, without a
 * ledger: its own Paho client (QoS 1, TCP_NODELAY, clean session) subscribed to the four order topics; inbound
 * envelopes decoded, checked against their topic and verified against the roster on Paho's callback thread,
 * own echoes of protocol messages dropped before verification; one single-thread executor as the loop, on which
 * every {@code onMessage}, {@code onTimer} and publication happens; timers on a scheduled executor that post
 * into the loop; an in-memory sign-once store. A publication Paho refuses, or an exception on the loop, fails
 * the run through {@code failures}.
 */
final class BenchReplica implements AutoCloseable {
    /** Told, on the replica's loop thread, of every batch it executes. */
    interface Executed {
        void executed(int replica, long seq, List<OrderItem> items);
    }

    /** Told of anything that makes the run's figures meaningless. */
    interface Failures {
        void failed(String what, Throwable cause);
    }

    private static final int QOS = 1;

    private final int index;
    private final NodeId self;
    private final Topics topics;
    private final InboundVerifier verifier;
    private final Executed executed;
    private final Failures failures;
    private final EnvelopeSigner signer;
    private final ExecutorService loop;
    private final ScheduledExecutorService timers;
    private final MqttAsyncClient client;
    private final Replica replica;
    /** Loop thread only. */
    private final Map<String, Long> refusals = new ConcurrentHashMap<>();
    private final AtomicLong viewChanges = new AtomicLong();
    private final AtomicLong echoes = new AtomicLong();
    private volatile boolean closing;

    BenchReplica(int index, NodeKey key, ReplicaSet set, OrderParams params, Clock clock, Topics topics,
                 String brokerUrl, String clientId, Executed executed, Failures failures) throws MqttException {
        this.index = index;
        this.self = key.nodeId();
        this.topics = topics;
        this.verifier = new InboundVerifier(set.roster());
        this.executed = executed;
        this.failures = failures;
        this.signer = new EnvelopeSigner(key, clock);
        this.loop = Executors.newSingleThreadExecutor(r -> daemon(r, "bench-replica-" + index));
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "bench-timers-" + index));
        this.replica = new Replica(self, set, params, clock, new Timers(),
                new MemorySlotSigner(signer, this::send), (topic, env, retained) -> send(topic, env, retained), topics,
                new Journal(),
                FederationState.anchor(set.roster()));
        this.client = new MqttAsyncClient(brokerUrl, clientId, new MemoryPersistence());
        this.client.setCallback(new Inbound());
        try {
            client.connect(options()).waitForCompletion(10_000);
            String[] filters = {topics.orderPropose(), topics.orderVote(), topics.orderView(), topics.orderFinal()};
            client.subscribe(filters, new int[] {QOS, QOS, QOS, QOS}).waitForCompletion(10_000);
        } catch (MqttException e) {
            close();
            throw e;
        }
    }

    static MqttConnectOptions options() {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setAutomaticReconnect(false);
        o.setMaxInflight(1000);
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setSocketFactory(new NoDelaySocketFactory());
        return o;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    void start() {
        post(replica::start);
    }

    /** Refusals by reason code, as the journal counted them. */
    Map<String, Long> refusals() {
        return Map.copyOf(refusals);
    }

    long viewChanges() {
        return viewChanges.get();
    }

    /** Own protocol messages the broker delivered back and this replica dropped unverified. */
    long echoes() {
        return echoes.get();
    }

    private void post(Runnable task) {
        try {
            loop.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException | Error e) {
                    failures.failed("replica " + index + " failed on its loop", e);
                }
            });
        } catch (RejectedExecutionException e) {
            if (!closing) {
                failures.failed("replica " + index + " loop refused a task", e);
            }
        }
    }

    private void send(String topic, Envelope env, boolean retained) {
        try {
            client.publish(topic, env.encode(), QOS, retained);
        } catch (MqttException | RuntimeException e) {
            if (!closing) {
                failures.failed("replica " + index + " could not publish a " + env.type().wireName(), e);
            }
        }
    }

    /** Disconnects first (nothing more arrives), then stops the timers and the loop. */
    void disconnect() {
        closing = true;
        try {
            if (client.isConnected()) {
                client.disconnect(1_000).waitForCompletion(2_000);
            }
        } catch (MqttException e) {
            // the figures are taken; a slow goodbye changes nothing
        }
    }

    @Override
    public void close() {
        disconnect();
        timers.shutdownNow();
        loop.shutdown();
        try {
            if (!loop.awaitTermination(5, TimeUnit.SECONDS)) {
                loop.shutdownNow();
            }
        } catch (InterruptedException e) {
            loop.shutdownNow();
            Thread.currentThread().interrupt();
        }
        try {
            client.close(true);
        } catch (MqttException e) {
            // already closed
        }
    }

    private final class Inbound implements MqttCallback {
        @Override
        public void connectionLost(Throwable cause) {
            if (!closing) {
                failures.failed("replica " + index + " lost its broker connection", cause);
            }
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            Envelope env;
            try {
                env = EnvelopeCodec.decode(message.getPayload());
            } catch (DecodeException e) {
                refusals.merge("undecodable", 1L, Long::sum);
                return;
            }
            if (!topics.fits(topic, env)) {
                refusals.merge("wrong_topic", 1L, Long::sum);
                return;
            }
            boolean request = env.type() == MessageType.ORDER_REQUEST || env.type() == MessageType.ORDER_ENDORSE;
            if (!request && env.from().equals(self)) {
                echoes.incrementAndGet();
                return;
            }
            if (!(verifier.verify(env) instanceof InboundVerifier.Verdict.Accepted)) {
                refusals.merge("bad_signature", 1L, Long::sum);
                return;
            }
            post(() -> replica.onMessage(env));
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
        }
    }

    private final class Timers implements Scheduler {
        @Override
        public Cancellable schedule(Duration delay, TimerKey key) {
            try {
                ScheduledFuture<?> f = timers.schedule(() -> post(() -> replica.onTimer(key)),
                        Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
                return () -> f.cancel(false);
            } catch (RejectedExecutionException e) {
                return () -> { };
            }
        }
    }

    private final class Journal implements OrderJournal {
        @Override
        public void refused(String reason, String detail) {
            refusals.merge(reason, 1L, Long::sum);
        }

        @Override
        public void evidence(Envelope first, Envelope second) {
            failures.failed("replica " + index + " saw equivocation by " + first.from().shortHex(), null);
        }

        @Override
        public void executed(long seq, long view, List<OrderItem> items, List<Envelope> commits) {
            executed.executed(index, seq, items);
        }

        @Override
        public void diverged(long seq, String ownDigest, String stableDigest) {
            failures.failed("replica " + index + " diverged at seq " + seq, null);
        }

        @Override
        public void viewChangeStarted(long view) {
            viewChanges.incrementAndGet();
        }

        @Override
        public void viewEntered(long view) {
        }

        @Override
        public void stable(long seq, String stateDigest) {
        }
    }
}
