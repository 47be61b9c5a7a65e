package io.quorumd.sim;

import io.quorumd.config.QuorumdConfig;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import io.quorumd.loop.InboundMessage;
import io.quorumd.loop.Shutdown;
import io.quorumd.loop.TimerFired;
import io.quorumd.node.InboundGate;
import io.quorumd.node.KeyUse;
import io.quorumd.node.NodeCore;
import io.quorumd.node.NodeMetrics;
import io.quorumd.node.StartWatch;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.InboundVerifier;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A simulated node: the production {@link NodeCore} (real ledger, real machines) driven in virtual time.
 * Each event is its own batch. Checkpoint messages go through the production {@link InboundGate} as
 * bytes (size cap, schema, topic fit, roster, signature); presence heartbeats take a fast path that checks
 * the topic but not the signature, since a 50-node, 3-day run would otherwise spend minutes verifying
 * heartbeats that other tests already cover.
 */
public final class SimNode implements SimBus.Receiver {
    private final SimWorld world;
    private final SimBus bus;
    private QuorumdConfig config;
    private NodeKey key;
    private final Topics topics;
    private final NodeMetrics metrics = new NodeMetrics();
    private List<String> subscriptions;
    private NodeCore core;
    private InboundGate gate;
    private int incarnation;
    private boolean up;
    private java.util.function.Consumer<SimNode> sameBatch = n -> { };
    private final List<Envelope> published = new ArrayList<>();
    private final List<Envelope> unsent = new ArrayList<>();
    private boolean crashAfterSync;
    private boolean crashing;
    /** The key signed under some ledger: a wiped data dir then starts a ledger of a used key. */
    private boolean keyUsed;
    private boolean stoppedAsTwin;
    /** This node's wall clock: the world's, plus an offset a test may set (a clock that is off). */
    private final java.time.Clock clock;
    private long clockOffset;

    SimNode(SimWorld world, SimBus bus, QuorumdConfig config, NodeKey key) {
        this.world = world;
        this.bus = bus;
        this.config = config;
        this.key = key;
        this.topics = new Topics(config.mqtt().topicPrefix());
        this.subscriptions = new ArrayList<>(topics.subscriptions(key.nodeId()));
        this.subscriptions.addAll(topics.orderSubscriptions());
        if (config.pm().enabled()) {
            this.subscriptions.addAll(topics.pmSubscriptions(key.nodeId()));
        }
        this.clock = new java.time.Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public java.time.Instant instant() {
                return java.time.Instant.ofEpochMilli(millis());
            }

            @Override
            public long millis() {
                return world.clock().millis() + clockOffset;
            }
        };
    }

    /** Sets how far this node's wall clock reads ahead of the world's (negative: behind); timers are unaffected. */
    public void setClockOffset(long millis) {
        clockOffset = millis;
    }

    /** The operator changed this stopped node's config; the next {@link #start()} uses it. */
    public void reconfigure(QuorumdConfig changed) {
        if (up) {
            throw new IllegalStateException(name() + " is running; stop it before changing its config");
        }
        config = changed;
    }

    /** Signs {@code body} as this node at {@code ts} (a member can sign anything, at any date). */
    public Envelope sign(MessageType type, io.quorumd.wire.Body body, long ts) {
        return new io.quorumd.wire.EnvelopeSigner(key, world.clock()).signAt(type, body, ts);
    }

    /** Signs {@code body} as this node without an honest node's checks (bounds, canonical form): a hostile member. */
    public Envelope signUnchecked(MessageType type, io.quorumd.wire.Body body, long ts) {
        Envelope unsigned = new Envelope(type, key.nodeId(), ts, body, io.quorumd.crypto.Bytes.of(new byte[64]));
        return new Envelope(type, key.nodeId(), ts, body, key.sign(unsigned.signingBytes()));
    }

    /** Subscribe to every subject's vote topic too: nara's broadcast topology, for comparison. */
    public void broadcastVotes() {
        subscriptions.add(config.mqtt().topicPrefix() + "/checkpoint/vote/+");
    }

    public void start() throws Exception {
        open();
        begin();
    }

    /** Starts as the daemon does, after its start watch ({@link StartWatch}, {@link WatchedStart}); returns at once. */
    public void startWatched() throws Exception {
        open();
        WatchedStart.begin(this, world, bus, incarnation);
    }

    /** The watch found an older process with this key: the daemon's exit 3 before it signed anything. */
    void stopAsTwinBeforeStart() throws java.io.IOException {
        stoppedAsTwin = true;
        core.silence();
        core.closeLedger();
    }

    int incarnation() {
        return incarnation;
    }

    java.time.Clock clock() {
        return clock;
    }

    void open() throws Exception {
        int inc = ++incarnation;
        KeyUse keyUse = new KeyUse() {
            @Override
            public boolean neverUsed() {
                return !keyUsed;
            }

            @Override
            public void used() {
                keyUsed = true;
            }
        };
        core = new NodeCore(config, key, keyUse, clock, world.scheduler(this::onTimer, () -> up && incarnation == inc),
                this::publish, metrics, new Random(world.random().nextLong()), fatal -> {
                    if (!(fatal instanceof io.quorumd.node.TwinException)) {
                        throw new IllegalStateException("ledger failed in simulation", fatal);
                    }
                    stoppedAsTwin = true; // the daemon exits 3 here; the process ends after this batch
                    world.after(0, () -> {
                        if (up && incarnation == inc) {
                            crashQuietly();
                        }
                    });
                });
        core.onRekey(() -> world.after(0, this::restartWithNextKey));
        gate = new InboundGate(config.node().name(), topics, new InboundVerifier(core::signerOf), this::handle, metrics,
                clock);
    }

    void begin() throws Exception {
        up = true;
        org.slf4j.MDC.put("node", name());
        core.start();
        core.afterBatch();
        bus.subscribe(this, subscriptions);
    }

    @Override
    public void receive(String topic, Envelope env, boolean retained) {
        if (!up) {
            return;
        }
        org.slf4j.MDC.put("node", name());
        if (env.type() == MessageType.PRESENCE_HEARTBEAT || env.type() == MessageType.PRESENCE_OFFLINE) {
            var sender = core.roster().byId(env.from());
            if (sender.isPresent() && topics.fits(topic, env)) {
                handle(new InboundMessage(topic, env, sender.get(),
                        retained ? InboundMessage.Origin.RETAINED : InboundMessage.Origin.LIVE));
            }
            return;
        }
        gate.onMessage(topic, env.encode(), retained);
    }

    /** Runs {@code action} as one event of this node (a control command), then commits and publishes. */
    public <T> T control(java.util.function.Function<NodeCore, T> action) {
        org.slf4j.MDC.put("node", name());
        T result = action.apply(core);
        afterBatch();
        return result;
    }

    /** Delivers raw bytes through the gate, as a byzantine peer or a broken client would send them. */
    public void receiveRaw(String topic, byte[] payload) {
        if (up) {
            gate.onMessage(topic, payload, false);
        }
    }

    private boolean handle(InboundMessage m) {
        org.slf4j.MDC.put("node", name());
        core.onMessage(m);
        sameBatch.accept(this);
        if (up) {
            afterBatch();
        } else {
            core.afterBatch();
        }
        return true;
    }

    private void onTimer(TimerFired t) {
        org.slf4j.MDC.put("node", name());
        core.onTimer(t);
        afterBatch();
    }

    /** The group commit of a batch, and the crash {@link #crashAfterSync(boolean)} armed, if its time came. */
    private void afterBatch() {
        core.afterBatch();
        if (crashing) {
            crashing = false;
            crashAfterSync = false;
            try {
                crash();
            } catch (Exception e) {
                throw new IllegalStateException(name() + " cannot crash", e);
            }
        }
    }

    private void publish(String topic, Envelope env, boolean retained) {
        if (crashAfterSync && (crashing || !isPresence(env))) {
            crashing = true; // the batch is durable; this and every later publish of it is lost with the process
            unsent.add(env);
            return;
        }
        published.add(env);
        bus.publish(topic, env, retained);
    }

    /** True once this node stopped because an older process runs with its key (the daemon's exit 3). */
    public boolean stoppedAsTwin() {
        return stoppedAsTwin;
    }

    private void crashQuietly() {
        try {
            crash();
        } catch (Exception e) {
            throw new IllegalStateException(name() + " cannot stop", e);
        }
    }

    private static boolean isPresence(Envelope env) {
        return env.type() == MessageType.PRESENCE_HEARTBEAT || env.type() == MessageType.PRESENCE_OFFLINE;
    }

    /**
     * Arms (or disarms) a crash between fsync and publish: the next batch that publishes more than presence
     * makes its ledger entries durable, loses that publish and every later one of the batch, and the node dies.
     */
    public void crashAfterSync(boolean armed) {
        crashAfterSync = armed;
    }

    /** Signed and durable but never sent: the publishes a crash after fsync lost, across incarnations. */
    public List<Envelope> unsent() {
        return unsent;
    }

    /** Dies without a word: nothing more is written; the broker sends the last will. */
    public void crash() throws Exception {
        core.silence();
        up = false;
        bus.unsubscribe(this);
        bus.publish(core.presence().topic(), core.presence().lastWill(), true);
        core.closeLedger();
    }

    /** Copies this node's data dir, as it is now, to {@code to}: a backup taken while it runs, or a cloned disk. */
    public void copyDataDir(java.nio.file.Path to) throws java.io.IOException {
        DataDirs.copy(config.node().dataDir(), to);
    }

    /** Replaces the data dir of this node, which must be down, with a copy of {@code backup}: a restore. */
    public void restoreDataDir(java.nio.file.Path backup) throws java.io.IOException {
        wipeDataDir();
        DataDirs.copy(backup, config.node().dataDir());
    }

    /** Deletes the data dir of this node, which must be down: a lost or replaced disk. Same key. */
    public void wipeDataDir() throws java.io.IOException {
        if (up) {
            throw new IllegalStateException(name() + " is up");
        }
        DataDirs.delete(config.node().dataDir());
    }

    /** Its own rotation is durable: it stops and starts again with {@code node.nextKeyFile}'s key, as the daemon does. */
    private void restartWithNextKey() {
        try {
            stop();
            useKey(NodeKey.read(config.node().nextKeyFile().orElseThrow()));
            start();
        } catch (Exception e) {
            throw new IllegalStateException(name() + " cannot restart with its next key", e);
        }
    }

    /**
     * {@code hook} runs after each inbound message this node handles, in the same batch (before its group
     * commit): what the daemon's loop does with events queued behind that message (a SIGTERM, a control command).
     */
    public void sameBatch(java.util.function.Consumer<SimNode> hook) {
        sameBatch = hook;
    }

    /** The key the next {@link #start()} uses (the operator put another key in place); the node must be down. */
    public void useKey(NodeKey k) {
        if (up) {
            throw new IllegalStateException(name() + " is running");
        }
        List<String> own = new ArrayList<>(topics.subscriptions(key.nodeId()));
        own.addAll(topics.pmSubscriptions(key.nodeId()));
        List<String> extra = subscriptions.stream().filter(t -> !own.contains(t)).toList();
        key = k;
        subscriptions = new ArrayList<>(topics.subscriptions(key.nodeId()));
        if (config.pm().enabled()) {
            subscriptions.addAll(topics.pmSubscriptions(key.nodeId()));
        }
        subscriptions.addAll(extra);
    }

    /** Orderly stop: shutdown entry and offline notice. */
    public void stop() throws Exception {
        core.onShutdown(new Shutdown("sim stop"));
        core.afterBatch();
        up = false;
        bus.unsubscribe(this);
        core.closeLedger();
    }

    public boolean up() {
        return up;
    }

    public NodeCore core() {
        return core;
    }

    public NodeId id() {
        return key.nodeId();
    }

    public NodeKey key() {
        return key;
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

    public Topics topics() {
        return topics;
    }

    /** Everything this node has published, across incarnations, in order. */
    public List<Envelope> published() {
        return published;
    }

    @Override
    public String toString() {
        return name();
    }
}
