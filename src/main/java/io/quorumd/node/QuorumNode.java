package io.quorumd.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.Version;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.ledger.BootRecord;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerException;
import io.quorumd.ledger.LedgeredSigner;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import io.quorumd.loop.ControlRequest;
import io.quorumd.loop.EventHandler;
import io.quorumd.loop.EventLoop;
import io.quorumd.loop.InboundMessage;
import io.quorumd.loop.Outbox;
import io.quorumd.loop.Shutdown;
import io.quorumd.loop.TimerFired;
import io.quorumd.loop.TimerKey;
import io.quorumd.loop.TimerThread;
import io.quorumd.mqtt.MqttTransport;
import io.quorumd.presence.PeerState;
import io.quorumd.presence.PeerTransition;
import io.quorumd.presence.PresenceMachine;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.InboundVerifier;
import io.quorumd.wire.Json;
import io.quorumd.wire.Topics;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One quorumd node: wires the ledger, the MQTT edge, the loop and the machines. Machines publish into a
 * batch outbox; after each batch of loop events the batch's ledger entries are written and fsynced once
 * (group commit), and only then does the outbox go to the broker. The first ledger I/O error stops the
 * node (fail-stop) and is handed to {@code onFatal}.
 */
public final class QuorumNode implements EventHandler, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QuorumNode.class);
    static final int QUEUE_CAPACITY = 10_000;
    static final int MAX_BATCH = 256;

    /** Time for the periodic stats line. */
    record StatsDue() implements TimerKey {
    }

    /** A publication held until the end of its batch. */
    private record Publication(String topic, Envelope envelope, boolean retained) {
    }

    private final QuorumdConfig config;
    private final NodeId id;
    private final NodeMetrics metrics = new NodeMetrics();
    private final EventLoop loop;
    private final TimerThread timers;
    private final PresenceMachine presence;
    private final MqttTransport transport;
    private final Ledger ledger;
    private final LedgeredSigner slotSigner;
    private final CommitTimes commitTimes = new CommitTimes(1024);
    private final Consumer<Throwable> onFatal;
    private final List<Publication> batchOutbox = new ArrayList<>();
    private volatile boolean stopped;
    private volatile boolean failed;
    private volatile boolean abandoned;
    private volatile long ledgerEntries;
    private volatile long ledgerBytes;

    public QuorumNode(QuorumdConfig config, NodeKey key, Clock clock) throws IOException, GeneralSecurityException {
        this(config, key, clock, t -> { });
    }

    /** Opens the ledger (recovering and replaying it) and prepares the broker connection; starts nothing. */
    public QuorumNode(QuorumdConfig config, NodeKey key, Clock clock, Consumer<Throwable> onFatal)
            throws IOException, GeneralSecurityException {
        this.config = config;
        this.id = key.nodeId();
        this.onFatal = onFatal;
        String name = config.node().name();
        this.loop = new EventLoop(QUEUE_CAPACITY, MAX_BATCH, this, Map.of("node", name));
        this.timers = new TimerThread(loop);
        Topics topics = new Topics(config.mqtt().topicPrefix());
        Outbox outbox = (topic, envelope, retained) -> batchOutbox.add(new Publication(topic, envelope, retained));
        EnvelopeSigner signer = new EnvelopeSigner(key, clock);
        this.slotSigner = new LedgeredSigner(signer, outbox);
        this.ledger = Ledger.open(config.node().dataDir(), key, clock, config.ledger().segmentBytes(),
                config.ledger().fsync(), (entry, payload) -> slotSigner.replay(entry));
        slotSigner.attach(ledger);
        this.ledgerEntries = ledger.entries();
        this.ledgerBytes = ledger.bytes();
        this.presence = new PresenceMachine(id, config.federation().roster(), config.presence(), clock, timers, signer,
                topics, outbox, this::observe);
        presence.begin();
        InboundGate gate = new InboundGate(name, topics, new InboundVerifier(config.federation().roster()), loop,
                metrics, clock);
        this.transport = new MqttTransport(config.mqtt(), name,
                new MqttTransport.Will(presence.topic(), presence.lastWill().encode()), topics.subscriptions(), gate);
    }

    /** Starts the loop and the broker connection; returns at once. */
    public void start() {
        LOG.atInfo().addKeyValue("node", config.node().name()).addKeyValue("id", id.hex())
                .addKeyValue("version", Version.get())
                .addKeyValue("broker", config.mqtt().url()).addKeyValue("roster", config.federation().roster().size())
                .addKeyValue("prefix", config.mqtt().topicPrefix()).addKeyValue("ledger_seq", ledger.lastSeq())
                .addKeyValue("ledger_segments", ledger.segments()).log("quorumd starting");
        loop.start();
        loop.submit(new ControlRequest("start", h -> {
            ledger.append(EntryKind.BOOT, new BootRecord(config.node().name(), config.self().publicKey(),
                    config.federation().roster(), Version.get(), presence.startedAt()).toJson());
            presence.start();
            timers.schedule(config.logging().statsEvery(), new StatsDue());
            return Boolean.TRUE;
        }, new java.util.concurrent.CompletableFuture<>()));
        transport.start();
    }

    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        return transport.awaitConnected(timeout);
    }

    public NodeId id() {
        return id;
    }

    public String name() {
        return config.node().name();
    }

    public QuorumdConfig config() {
        return config;
    }

    public NodeMetrics metrics() {
        return metrics;
    }

    public boolean connected() {
        return transport.isConnected();
    }

    /** Liveness of every peer heard of; safe from any thread. */
    public Map<NodeId, PeerState> peers() {
        return presence.peers();
    }

    public long peersOnline() {
        return presence.onlineCount();
    }

    /** Signs at most one message per slot, durably; for machines that vote. */
    public io.quorumd.wire.SlotSigner slotSigner() {
        return slotSigner;
    }

    public long ledgerEntries() {
        return ledgerEntries;
    }

    public long ledgerBytes() {
        return ledgerBytes;
    }

    public boolean failed() {
        return failed;
    }

    /** Runs {@code action} on the loop thread against this node's state and returns its answer. */
    public java.util.concurrent.CompletableFuture<Object> ask(String name, java.util.function.Function<QuorumNode, Object> action) {
        java.util.concurrent.CompletableFuture<Object> reply = new java.util.concurrent.CompletableFuture<>();
        loop.submit(new ControlRequest(name, h -> action.apply(this), reply));
        return reply;
    }

    private void observe(PeerTransition t) {
        ObjectNode data = Json.object();
        data.put("peer", t.peer().hex());
        data.put("name", t.name());
        data.put("event", t.kind().name().toLowerCase(java.util.Locale.ROOT));
        data.put("cause", t.cause());
        data.put("peerStartedAt", t.peerStartedAt());
        ledger.append(EntryKind.OBSERVATION, data);
    }

    @Override
    public void onMessage(InboundMessage message) {
        switch (message.envelope().type()) {
            case PRESENCE_HEARTBEAT, PRESENCE_OFFLINE -> presence.onMessage(message);
        }
    }

    @Override
    public void onTimer(TimerFired timer) {
        TimerKey key = timer.key();
        if (key instanceof StatsDue) {
            logStats();
            timers.schedule(config.logging().statsEvery(), new StatsDue());
        } else if (key instanceof PresenceMachine.HeartbeatDue || key instanceof PresenceMachine.SweepDue) {
            presence.onTimer(key);
        }
    }

    @Override
    public void onControl(ControlRequest request) {
        request.reply().complete(request.action().apply(this));
    }

    @Override
    public void onShutdown(Shutdown shutdown) {
        if (failed || abandoned) {
            return;
        }
        ObjectNode data = Json.object();
        data.put("reason", shutdown.reason());
        ledger.append(EntryKind.SHUTDOWN, data);
        batchOutbox.add(new Publication(presence.topic(), presence.shutdownNotice(), true));
        LOG.atInfo().addKeyValue("reason", shutdown.reason()).log("stopping: input closed, offline notice queued");
    }

    /** Group commit: the batch's entries are made durable before any of its messages leaves. */
    @Override
    public void afterBatch() {
        if (failed || abandoned) {
            batchOutbox.clear();
            return;
        }
        if (ledger.hasPending()) {
            long t0 = System.nanoTime();
            try {
                ledger.commit();
            } catch (LedgerException | RuntimeException e) {
                fail(e);
                return;
            }
            commitTimes.add(System.nanoTime() - t0);
            ledgerEntries = ledger.entries();
            ledgerBytes = ledger.bytes();
        }
        for (Publication p : batchOutbox) {
            transport.publish(p.topic(), p.envelope().encode(), p.retained());
            metrics.sent();
        }
        batchOutbox.clear();
    }

    private void fail(Throwable e) {
        failed = true;
        batchOutbox.clear();
        LOG.atError().addKeyValue("error", e.getMessage()).log("fatal ledger error: no further appends or publishes; exiting");
        loop.submit(new Shutdown("fatal ledger error"));
        onFatal.accept(e);
    }

    void logStats() {
        LOG.atInfo().addKeyValue("in", metrics.messagesIn()).addKeyValue("out", metrics.messagesOut())
                .addKeyValue("rejects", metrics.rejectSummary()).addKeyValue("queue_drops", metrics.queueDrops())
                .addKeyValue("peers_online", presence.onlineCount() + "/" + (config.federation().roster().size() - 1))
                .addKeyValue("ledger_entries", ledger.entries()).addKeyValue("ledger_bytes", ledger.bytes())
                .addKeyValue("fsync_p99_us", commitTimes.p99Micros())
                .addKeyValue("connected", transport.isConnected()).log("stats");
    }

    /**
     * Orderly stop: the loop finishes its batch and queues the signed offline notice, the broker connection
     * sends it and disconnects. Bounded by {@code timeout} overall.
     */
    public void stop(Duration timeout) {
        if (stopped) {
            return;
        }
        stopped = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        loop.submit(new Shutdown("stop requested"));
        try {
            loop.awaitTermination(timeout.dividedBy(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        timers.close();
        long left = Math.max(200, (deadline - System.nanoTime()) / 1_000_000);
        transport.close(Duration.ofMillis(left));
        closeLedger();
        LOG.atInfo().addKeyValue("node", config.node().name()).log("quorumd stopped");
    }

    /**
     * Stops like a killed process: no offline notice, no DISCONNECT; peers learn of it from the last will
     * or from silence. For tests and the demo.
     */
    public void kill() {
        stopped = true;
        abandoned = true;
        transport.abandon();
        loop.submit(new Shutdown("killed"));
        timers.close();
        closeLedger();
    }

    private void closeLedger() {
        try {
            if (!loop.isLoopThread()) {
                loop.awaitTermination(Duration.ofSeconds(1));
            }
            ledger.close();
        } catch (IOException e) {
            LOG.atWarn().addKeyValue("error", e.getMessage()).log("ledger close failed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(4));
    }
}
