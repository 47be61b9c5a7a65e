package io.quorumd.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.Version;
import io.quorumd.checkpoint.StoredCheckpoint;
import io.quorumd.config.NodeIdentity.KeyFile;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import io.quorumd.ledger.KeyInForceException;
import io.quorumd.ledger.LedgerException;
import io.quorumd.loop.ControlRequest;
import io.quorumd.loop.Event;
import io.quorumd.loop.EventLoop;
import io.quorumd.loop.Shutdown;
import io.quorumd.loop.TimerThread;
import io.quorumd.mqtt.MqttTransport;
import io.quorumd.presence.PeerState;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.InboundVerifier;
import io.quorumd.wire.Topics;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running quorumd node: {@link NodeCore} driven by the {@code quorumd-loop} thread, with timers on a
 * timer thread and the MQTT edge (inbound gate, transport) around it. Other threads talk to it only
 * through {@link #ask} and the read-only views.
 */
public final class QuorumNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QuorumNode.class);
    static final int QUEUE_CAPACITY = 10_000;
    static final int MAX_BATCH = 256;
    private static final Duration BOOT_WITHIN = Duration.ofSeconds(10);

    private final QuorumdConfig config;
    private final NodeMetrics metrics = new NodeMetrics();
    private final EventLoop loop;
    private final TimerThread timers;
    private final NodeCore core;
    private final MqttTransport transport;
    private final Clock clock;
    private ControlServer control;
    private volatile boolean stopped;

    public QuorumNode(QuorumdConfig config, NodeKey key, Clock clock) throws IOException, GeneralSecurityException {
        this(config, key, clock, t -> { });
    }

    public QuorumNode(QuorumdConfig config, NodeKey key, Clock clock, Consumer<Throwable> onFatal)
            throws IOException, GeneralSecurityException {
        this(config, new KeyFile(key, config.node().keyFile()), clock, onFatal, () -> { });
    }

    /**
     * Opens the node with whichever configured key ({@code node.keyFile}, {@code node.nextKeyFile}) its ledger
     * has in force: the one the key hint names first, the other if the ledger says so (DESIGN §12 key rotation).
     * {@code onRekey} runs (on the loop thread) once this node's own rotation is durable: stop it and open again.
     *
     * @throws KeyInForceException no configured key is the ledger's key in force
     */
    public static QuorumNode open(QuorumdConfig config, List<KeyFile> keys, Clock clock, Consumer<Throwable> onFatal,
                                  Runnable onRekey) throws IOException, GeneralSecurityException {
        List<KeyFile> tried = KeyRotation.byHint(config.node().dataDir(), keys);
        try {
            return new QuorumNode(config, tried.get(0), clock, onFatal, onRekey);
        } catch (KeyInForceException e) {
            Optional<KeyFile> held = tried.stream().skip(1).filter(k -> k.key().publicKey().equals(e.keyInForce()))
                    .findFirst();
            if (held.isEmpty()) {
                throw e;
            }
            return new QuorumNode(config, held.get(), clock, onFatal, onRekey);
        }
    }

    /**
     * Opens the ledger (recovering and replaying it) and prepares the broker connection; starts nothing. On
     * failure nothing stays held: the ledger lock and the timer thread are released before it throws.
     *
     * @throws LedgerException the ledger is corrupt or in use by another process (the message says which)
     * @throws StartupException anything else that keeps the node from being built, with what to do about it
     */
    private QuorumNode(QuorumdConfig config, KeyFile key, Clock clock, Consumer<Throwable> onFatal, Runnable onRekey)
            throws IOException, GeneralSecurityException {
        this.config = config;
        this.clock = clock;
        String name = config.node().name();
        this.timers = new TimerThread(this::enqueue);
        try {
            this.core = new NodeCore(config, key.key(), KeyUse.markerBeside(key.file()), clock, timers, this::send,
                    metrics,
                    new Random(new SecureRandom().nextLong()), fatal -> {
                        enqueue(new Shutdown("fatal ledger error"));
                        onFatal.accept(fatal);
                    });
        } catch (LedgerException | KeyInForceException e) {
            timers.close();
            throw e;
        } catch (IOException | RuntimeException e) {
            timers.close();
            throw new StartupException("cannot open the ledger in " + config.node().dataDir(), e,
                    "make node.dataDir a directory the quorumd user can write");
        }
        core.onRekey(onRekey);
        this.loop = new EventLoop(QUEUE_CAPACITY, MAX_BATCH, core, Map.of("node", name), onFatal);
        Topics topics = new Topics(config.mqtt().topicPrefix());
        InboundGate gate = new InboundGate(name, topics, new InboundVerifier(core::signerOf), loop::offerMessage, metrics,
                clock);
        List<String> subscriptions = subscriptions(topics, core.id(), core.ordering().isPresent(), config.pm().enabled());
        try {
            this.transport = new MqttTransport(config.mqtt(), name,
                    new MqttTransport.Will(core.presence().topic(), core.presence().lastWill().encode()),
                    subscriptions, gate);
            transport.onResubscribed(() -> ask("broker reconnected", c -> {
                c.sync().reconnected();
                return Boolean.TRUE;
            }));
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            timers.close();
            closeLedger();
            throw new StartupException("cannot set up the broker connection to " + config.mqtt().url(), e,
                    "check the mqtt section (url, passwordFile, tls files)");
        }
    }

    /** Every topic filter a node subscribes to: the common ones, the ordering ones if it orders, its pm topic if pm is on. */
    static List<String> subscriptions(Topics topics, NodeId me, boolean ordering, boolean pm) {
        List<String> out = new ArrayList<>(topics.subscriptions(me));
        if (ordering) {
            out.addAll(topics.orderSubscriptions());
        }
        if (pm) {
            out.addAll(topics.pmSubscriptions(me));
        }
        return List.copyOf(out);
    }

    private void enqueue(Event event) {
        loop.submit(event);
    }

    private void send(String topic, Envelope envelope, boolean retained) {
        transport.publish(topic, envelope.encode(), retained);
    }

    /**
     * Starts the control socket, the loop (boot entry, first heartbeat, timers) and the broker connection;
     * returns once the socket listens and the loop has booted. All or nothing: if a step fails, everything
     * started so far is stopped and the ledger closed (its lock released) before this throws, so the caller
     * can exit 1 without a half-started daemon behind it.
     */
    public void start() throws StartupException, TwinException {
        LOG.atInfo().addKeyValue("node", config.node().name()).addKeyValue("id", core.id().hex())
                .addKeyValue("version", Version.get()).addKeyValue("broker", config.mqtt().url())
                .addKeyValue("roster", config.federation().roster().size())
                .addKeyValue("prefix", config.mqtt().topicPrefix()).addKeyValue("ledger_seq", core.ledger().lastSeq())
                .addKeyValue("ledger_segments", core.ledger().segments()).log("quorumd starting");
        try {
            StartWatchProbe.run(config, core, metrics, clock);
            control = ControlServer.start(config.control().socket(), this::control);
            loop.start();
            ask("start", c -> {
                c.start();
                return Boolean.TRUE;
            }).get(BOOT_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
            transport.start();
        } catch (StartupException e) {
            abortStart(e);
            throw e;
        } catch (TwinException e) {
            core.silence(); // the other process is the node: this one leaves no entry and no notice
            abortStart(new StartupException("another process runs with this node's key", e, "see the error above"));
            throw e;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            StartupException failed = new StartupException("cannot boot the node",
                    e instanceof ExecutionException ? e.getCause() : e, "see the log lines above; the ledger is intact");
            abortStart(failed);
            throw failed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            StartupException failed = new StartupException("start-up interrupted", e, "start it again");
            abortStart(failed);
            throw failed;
        }
    }

    private void abortStart(StartupException cause) {
        LOG.atError().addKeyValue("node", config.node().name()).addKeyValue("error", cause.getMessage())
                .log("start-up failed; releasing what was started");
        stop(Duration.ofSeconds(2));
    }

    /** Runs {@code action} on the loop thread against the node's state and completes with its answer. */
    public CompletableFuture<Object> ask(String name, Function<NodeCore, Object> action) {
        CompletableFuture<Object> reply = new CompletableFuture<>();
        loop.submit(new ControlRequest(name, h -> action.apply((NodeCore) h), reply));
        return reply;
    }

    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        return transport.awaitConnected(timeout);
    }

    public NodeId id() {
        return core.id();
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
        return core.presence().peers();
    }

    public long peersOnline() {
        return core.presence().onlineCount();
    }

    /** Latest checkpoint per subject; safe from any thread. */
    public Map<NodeId, StoredCheckpoint> checkpoints() {
        return core.checkpoints().latest();
    }

    /** The latest final of {@code subject} held here, or null; safe from any thread, copies nothing. */
    public StoredCheckpoint checkpoint(NodeId subject) {
        return core.checkpoints().latest(subject).orElse(null);
    }

    public long ledgerEntries() {
        return core.ledgerEntries();
    }

    public long ledgerBytes() {
        return core.ledgerBytes();
    }

    /** True once f + 1 peers served this run whole sync sessions (what peers held at start is held here); any thread. */
    public boolean caughtUp() {
        return core.sync().caughtUp();
    }

    public boolean failed() {
        return core.failed();
    }

    /**
     * Orderly stop: the loop finishes its batch, records the shutdown and queues the signed offline
     * notice; the broker connection sends it and disconnects. Bounded by {@code timeout} overall.
     */
    public void stop(Duration timeout) {
        if (stopped) {
            return;
        }
        stopped = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        closeControl();
        loop.submit(new Shutdown("stop requested"));
        awaitLoop(timeout.dividedBy(2));
        timers.close();
        long left = Math.max(200, (deadline - System.nanoTime()) / 1_000_000);
        transport.close(Duration.ofMillis(left));
        closeLedger();
        LOG.atInfo().addKeyValue("node", config.node().name()).log("quorumd stopped");
    }

    /**
     * Stops like a killed process: nothing more is written or sent, no DISCONNECT; peers learn of it from
     * the last will or from silence. For tests and the demo.
     */
    public void kill() {
        stopped = true;
        closeControl();
        ask("silence", c -> {
            c.silence();
            return Boolean.TRUE;
        });
        transport.abandon();
        loop.submit(new Shutdown("killed"));
        timers.close();
        awaitLoop(Duration.ofSeconds(1));
        closeLedger();
    }

    /** A control request: evidence files are stored here, off the loop; the command runs on the loop. */
    private CompletableFuture<Object> control(String cmd, JsonNode args) {
        if (cmd.equals("dispute.open") && args instanceof ObjectNode request) {
            try {
                EvidenceStore.absorb(request, config.node().dataDir());
            } catch (IOException | RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return ask(cmd, c -> ControlCommands.run(cmd, args, c, transport.isConnected()));
    }

    private void closeControl() {
        if (control != null) {
            control.close();
        }
    }

    /** True once the loop thread has ended (or this is the loop thread, which is ending). */
    private boolean awaitLoop(Duration timeout) {
        try {
            return loop.isLoopThread() || loop.awaitTermination(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Closes the ledger once the loop thread, its only writer, has ended; if it has not within the time
     * given, the ledger is left to the process exit (everything committed is on disk already, a half-written
     * tail is truncated at the next start) rather than closed under a writer.
     */
    private void closeLedger() {
        if (!awaitLoop(Duration.ofMillis(500))) {
            LOG.atWarn().addKeyValue("node", config.node().name())
                    .log("the loop thread is still busy; leaving the ledger to the process exit");
            return;
        }
        try {
            core.closeLedger();
        } catch (IOException | RuntimeException e) {
            LOG.atWarn().addKeyValue("error", e.getMessage()).log("ledger close failed");
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(4));
    }
}
