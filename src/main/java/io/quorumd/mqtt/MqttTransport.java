package io.quorumd.mqtt;

import io.quorumd.config.QuorumdConfig.MqttSection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The broker connection (Paho mqttv3). QoS 1 everywhere, a persistent session under a stable client id,
 * a signed last will, TCP_NODELAY, TLS and credentials from the config. Every connect — the first and
 * each after a drop — is retried by this class with exponential backoff from {@link #FIRST_RETRY} up to
 * {@code reconnectMax}; an attempt that gets no answer within {@code connectTimeout} + 2 s is dropped and
 * tried again (Paho's own automatic reconnect starts at 1 s and keeps a backoff that can leave a
 * node away for a minute or more after a broker that was gone for a second: measured). Every (re)connect subscribes again, then sends what was published while disconnected (or while
 * all in-flight slots were taken; those go as acknowledgements free them). Callbacks hand raw payloads to
 * {@link Inbound} and do nothing else.
 *
 * <p>No signed message handed to {@link #publish} is lost to a broker outage, short of the broker
 * acknowledging it and then dying without persistence:
 * <ul>
 *   <li>Not yet handed to Paho: it waits in the {@link OutboundBacklog}, which never drops a non-retained
 *       message and keeps the latest retained one per topic (see there why memory stays bounded).</li>
 *   <li>Handed to Paho but not acknowledged when the connection drops: Paho sends it again after the
 *       reconnect, so this class keeps no copy. Paho 1.2.5 {@code internal/ClientState.java}: {@code send()}
 *       puts a QoS 1 PUBLISH into {@code outboundQoS1} before writing it; {@code disconnected()} clears that
 *       table only with {@code cleanSession}; the next CONNACK's {@code restoreInflightMessages()} re-queues
 *       every entry with DUP set, in message-id order; an entry leaves only in {@code notifyComplete()},
 *       after its PUBACK. The table is the client's own ({@link MemoryPersistence} plays no part). A PUBACK
 *       whose completion was still queued at the drop is dropped with the queue: that message goes twice,
 *       never lost. {@code BrokerOutageIT} kills the broker mid-stream and checks exactly this.</li>
 * </ul>
 * At {@link #close} the messages still waiting are counted in the log and left to the ledger.
 */
public final class MqttTransport implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MqttTransport.class);
    private static final int QOS = 1;
    /** The wait before the first attempt after a drop; it doubles on every failure up to reconnectMax. */
    static final Duration FIRST_RETRY = Duration.ofMillis(250);

    /** Receives every message as it arrives, on a Paho thread. Must not throw. */
    @FunctionalInterface
    public interface Inbound {
        void onMessage(String topic, byte[] payload, boolean retained);
    }

    /** The message the broker publishes for this node if its connection dies. */
    public record Will(String topic, byte[] payload) {
    }

    private final MqttSection settings;
    private final List<String> subscriptions;
    private final Inbound inbound;
    private final String nodeName;
    private final BrokerFailure.Explainer failures = new BrokerFailure.Explainer();
    private final MqttAsyncClient client;
    private final MqttConnectOptions options;
    private final ScheduledExecutorService retry;
    private final OutboundBacklog pending;
    private final Object lock = new Object();
    private final AtomicLong acknowledged = new AtomicLong();
    /** Numbers connect attempts: a callback or watchdog of an attempt that is no longer the latest does nothing. */
    private final AtomicLong attempt = new AtomicLong();
    private volatile CountDownLatch connectedLatch = new CountDownLatch(1);
    private volatile boolean connected;
    /** The member of {@code mqtt.url} of the current (or last) connection; whether its CONNACK kept the session. */
    private volatile String broker;
    private volatile boolean sessionPresent;
    private volatile Runnable onResubscribed = () -> { };
    private volatile boolean closed;

    public MqttTransport(MqttSection settings, String nodeName, Will will, List<String> subscriptions, Inbound inbound)
            throws IOException, GeneralSecurityException {
        this.settings = settings;
        this.nodeName = nodeName;
        this.subscriptions = List.copyOf(subscriptions);
        this.inbound = inbound;
        this.pending = new OutboundBacklog(nodeName);
        this.options = options(settings, will);
        try {
            this.client = new MqttAsyncClient(settings.url(), settings.clientId(), new MemoryPersistence());
        } catch (MqttException e) {
            throw new IOException("cannot create MQTT client for " + settings.url() + ": " + e.getMessage(), e);
        }
        this.client.setCallback(new Callbacks());
        this.retry = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "quorumd-mqtt-connect");
            t.setDaemon(true);
            return t;
        });
    }

    /** Connect options from the config; {@code will} null for a connection without a will and without a session. */
    static MqttConnectOptions options(MqttSection s, Will will) throws IOException, GeneralSecurityException {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(will == null);
        o.setAutomaticReconnect(false);
        o.setKeepAliveInterval((int) s.keepAlive().toSeconds());
        o.setConnectionTimeout((int) Math.max(1, s.connectTimeout().toSeconds()));
        o.setMaxInflight(1000);
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        if (s.urls().size() > 1) {
            o.setServerURIs(s.urls().toArray(new String[0])); // each connect tries the cluster's members in order
        }
        if (will != null) {
            o.setWill(will.topic(), will.payload(), QOS, true);
        }
        if (s.username().isPresent()) {
            o.setUserName(s.username().get());
        }
        if (s.passwordFile().isPresent()) {
            o.setPassword(Files.readString(s.passwordFile().get(), StandardCharsets.UTF_8).strip().toCharArray());
        }
        if (s.url().startsWith("ssl://")) {
            o.setSocketFactory(new NoDelaySslSocketFactory(TlsContexts.build(s.tls()).getSocketFactory()));
        } else {
            o.setSocketFactory(new NoDelaySocketFactory());
        }
        return o;
    }

    /** Starts connecting in the background; returns at once. */
    public void start() {
        retry.execute(() -> connect(Duration.ofSeconds(1)));
    }

    public boolean isConnected() {
        return connected;
    }

    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        return connectedLatch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Publishes at QoS 1. While disconnected (or while Paho's in-flight window is full) the message waits
     * for the next connect: never dropped, except a retained one superseded by a newer one on its topic.
     */
    public void publish(String topic, byte[] payload, boolean retained) {
        synchronized (lock) {
            if (connected && pending.isEmpty() && trySend(topic, payload, retained)) {
                return;
            }
            pending.add(new OutboundBacklog.Message(topic, payload, retained));
        }
        flushPending();
    }

    /** Messages waiting to be handed to Paho. */
    public int backlog() {
        synchronized (lock) {
            return pending.size();
        }
    }

    /** QoS 1 publications the broker has acknowledged (PUBACK processed by Paho), since this transport began. */
    public long acknowledged() {
        return acknowledged.get();
    }

    private boolean trySend(String topic, byte[] payload, boolean retained) {
        try {
            client.publish(topic, payload, QOS, retained);
            return true;
        } catch (MqttException e) {
            return false;
        }
    }

    private void flushPending() {
        synchronized (lock) {
            while (connected && !pending.isEmpty()) {
                OutboundBacklog.Message m = pending.first();
                if (!trySend(m.topic(), m.payload(), m.retained())) {
                    return;
                }
                pending.removeFirst();
            }
        }
    }

    private void connect(Duration backoff) {
        if (closed || connected) {
            return;
        }
        long n = attempt.incrementAndGet();
        try {
            client.connect(options, null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    sessionPresent = token.getSessionPresent(); // Paho calls this before connectComplete
                }

                @Override
                public void onFailure(IMqttToken token, Throwable e) {
                    if (attempt.get() == n) {
                        retryLater(backoff, e);
                    }
                }
            });
        } catch (MqttException | RuntimeException e) {
            retryLater(backoff, e);
            return;
        }
        // Paho's asynchronous connect neither completes nor fails when the far end accepts the TCP connection and
        // never answers CONNECT (seen across broker restarts; ReconnectIT reproduces it), which would leave the
        // node away for good. An attempt still unanswered after the connect timeout per broker listed is dropped.
        Duration answerWithin = settings.connectTimeout().multipliedBy(settings.urls().size()).plusSeconds(2);
        try {
            retry.schedule(() -> giveUpOn(n, backoff, answerWithin), answerWithin.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    private void giveUpOn(long n, Duration backoff, Duration waited) {
        if (closed || connected || attempt.get() != n) {
            return;
        }
        MDC.put("node", nodeName); // a retry thread: its lines carry the node like the loop's
        attempt.incrementAndGet();
        LOG.atWarn().addKeyValue("broker", settings.brokers())
                .addKeyValue("waited_ms", waited.toMillis()).log("broker connect attempt got no answer; starting over");
        try {
            client.disconnectForcibly(0, 100, false);
        } catch (MqttException | RuntimeException e) {
            LOG.atDebug().addKeyValue("error", e.getMessage()).log("drop unanswered connect");
        }
        connect(backoff);
    }

    private void retryLater(Duration backoff, Throwable cause) {
        if (closed) {
            return;
        }
        MDC.put("node", nodeName);
        BrokerFailure why = failures.explain(LOG, settings.brokers(), cause);
        LOG.atWarn().addKeyValue("broker", settings.brokers())
                .addKeyValue("retry_in", backoff.toMillis() + "ms").addKeyValue("error", why.detail())
                .log("broker connect failed");
        Duration next = backoff.multipliedBy(2);
        Duration capped = next.compareTo(settings.reconnectMax()) > 0 ? settings.reconnectMax() : next;
        try {
            retry.schedule(() -> connect(capped), backoff.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    private void subscribeAll(boolean reconnect) {
        String[] topics = subscriptions.toArray(new String[0]);
        int[] qos = new int[topics.length];
        Arrays.fill(qos, QOS);
        try {
            client.subscribe(topics, qos, null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    LOG.atDebug().addKeyValue("topics", String.join(",", topics)).log("subscribed");
                    if (reconnect) {
                        onResubscribed.run();
                    }
                }

                @Override
                public void onFailure(IMqttToken token, Throwable e) {
                    MDC.put("node", nodeName);
                    LOG.atError().addKeyValue("error", String.valueOf(e.getMessage()))
                            .log("subscribe failed");
                }
            });
        } catch (MqttException e) {
            LOG.atError().addKeyValue("error", e.getMessage()).log("subscribe failed");
        }
    }

    /** Runs {@code action} (on Paho's thread: it must only hand work on) each time a reconnect has subscribed again. */
    public void onResubscribed(Runnable action) {
        this.onResubscribed = action;
    }

    /** Disconnects cleanly (no last will), waiting up to {@code timeout}; publishes queued before this go first. */
    public void close(Duration timeout) {
        closed = true;
        retry.shutdownNow();
        int unsent = backlog();
        if (unsent > 0) {
            java.util.Map<String, String> callers = MDC.getCopyOfContextMap(); // the caller's thread: put back after
            MDC.put("node", nodeName);
            LOG.atWarn().addKeyValue("unsent", unsent)
                    .log("closing with unsent messages; the protocol messages among them are in the ledger");
            MDC.setContextMap(callers == null ? java.util.Map.of() : callers);
        }
        try {
            if (client.isConnected()) {
                client.disconnect(timeout.toMillis()).waitForCompletion(timeout.toMillis() + 500);
            }
        } catch (MqttException e) {
            LOG.atDebug().addKeyValue("error", e.getMessage()).log("disconnect");
        }
        try {
            client.close(true);
        } catch (MqttException e) {
            LOG.atDebug().addKeyValue("error", e.getMessage()).log("close");
        }
        connected = false;
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(2));
    }

    /**
     * Drops the connection the way a dying process does: no DISCONNECT packet, so the broker publishes the
     * last will. For tests and the demo's crash scenes.
     */
    public void abandon() {
        closed = true;
        retry.shutdownNow();
        try {
            client.disconnectForcibly(0, 100, false);
            client.close(true);
        } catch (MqttException e) {
            LOG.atDebug().addKeyValue("error", e.getMessage()).log("abandon");
        }
        connected = false;
    }

    private final class Callbacks implements MqttCallbackExtended {
        @Override
        public void connectComplete(boolean automatic, String serverUri) {
            boolean reconnect = broker != null; // Paho's flag is for its own automatic reconnect, unused here
            attempt.incrementAndGet();
            MDC.put("node", nodeName);
            broker = serverUri;
            LOG.atInfo().addKeyValue("broker", serverUri).addKeyValue("reconnect", reconnect)
                    .addKeyValue("client_id", settings.clientId()).addKeyValue("session_present", sessionPresent)
                    .log("broker connected");
            subscribeAll(reconnect);
            connected = true;
            flushPending();
            connectedLatch.countDown();
        }

        @Override
        public void connectionLost(Throwable cause) {
            MDC.put("node", nodeName);
            connected = false;
            connectedLatch = new CountDownLatch(1);
            LOG.atWarn().addKeyValue("broker", broker == null ? settings.url() : broker)
                    .addKeyValue("error", String.valueOf(cause.getMessage()))
                    .log("broker connection lost, reconnecting");
            if (!closed) {
                try {
                    retry.schedule(() -> connect(FIRST_RETRY.multipliedBy(2)), FIRST_RETRY.toMillis(), TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    // closing
                }
            }
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            try {
                inbound.onMessage(topic, message.getPayload(), message.isRetained());
            } catch (RuntimeException e) {
                LOG.atError().setCause(e).addKeyValue("topic", topic).log("inbound handler failed");
            }
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
            // QoS 1 acknowledged: Paho forgot the message, and an in-flight slot is free for anything waiting
            acknowledged.incrementAndGet();
            flushPending();
        }
    }
}
