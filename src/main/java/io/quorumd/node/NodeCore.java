package io.quorumd.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.arbiter.ArbiterMachine;
import io.quorumd.arbiter.PolicySource;
import io.quorumd.checkpoint.CheckpointMachine;
import io.quorumd.checkpoint.CheckpointStore;
import io.quorumd.checkpoint.RunHistory;
import io.quorumd.config.NodeIdentity;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import io.quorumd.delivery.Responder;
import io.quorumd.delivery.SyncService;
import io.quorumd.ledger.BootRecord;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerEntry;
import io.quorumd.ledger.LedgerException;
import io.quorumd.ledger.LedgeredSigner;
import io.quorumd.ledger.VerifiedMark;
import io.quorumd.loop.ControlRequest;
import io.quorumd.loop.EventHandler;
import io.quorumd.loop.InboundMessage;
import io.quorumd.loop.Scheduler;
import io.quorumd.loop.Shutdown;
import io.quorumd.loop.TimerFired;
import io.quorumd.loop.TimerKey;
import io.quorumd.presence.PeerTransition;
import io.quorumd.presence.PresenceMachine;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Json;
import io.quorumd.wire.Member;
import io.quorumd.wire.Roster;
import io.quorumd.wire.Topics;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything of a node but its I/O edges: the ledger, the machines, the routing of events to them, and
 * group commit. The real node drives it from its loop thread with MQTT behind {@link Publisher}; the
 * simulation drives it in virtual time with an in-memory bus. Machines publish into the batch outbox;
 * {@link #afterBatch()} makes the batch's ledger entries durable with one fsync, then publishes.
 */
public final class NodeCore implements EventHandler {
    private static final Logger LOG = LoggerFactory.getLogger(NodeCore.class);

    record StatsDue() implements TimerKey { // time for the periodic stats line
    }

    record GraceOver() implements TimerKey { // end of boot grace: what the responder tracked goes out once more
    }

    private final QuorumdConfig config;
    private final NodeId id;
    private final io.quorumd.crypto.Bytes publicKey;
    private final KeyRotation rotation;
    private final Scheduler scheduler;
    private final Publisher publisher;
    private final Consumer<Throwable> onFatal;
    private final NodeMetrics metrics;
    private final Ledger ledger;
    private final LedgeredSigner slotSigner;
    private final RunHistory history = new RunHistory();
    private final CheckpointStore checkpoints = new CheckpointStore(history);
    private final PresenceMachine presence;
    private final CheckpointMachine checkpoint;
    private final ArbiterMachine arbiter;
    private final Responder responder;
    private final SyncService sync;
    private final GroupCommit out = new GroupCommit();
    private volatile boolean failed;
    private volatile boolean silenced;
    private volatile long ledgerEntries;
    private volatile long ledgerBytes;
    private final boolean emptyAtOpen;
    private LedgerAge ledgerAge; // set once the ledger is replayed; the machines ask it later
    private volatile NodeOrdering ordering; // null while ordering is off, and before the ledger is replayed
    private final NodePayments payments; // null while pm is off

    /** Opens the ledger, replaying it into the machines; starts nothing. */
    public NodeCore(QuorumdConfig config, NodeKey key, KeyUse keyUse, Clock clock, Scheduler scheduler,
                    Publisher publisher, NodeMetrics metrics, Random jitter, Consumer<Throwable> onFatal) throws IOException {
        this.config = config;
        this.id = key.nodeId();
        this.publicKey = key.publicKey();
        this.rotation = new KeyRotation(publicKey, NodeIdentity.nextQuietly(config), config.node().dataDir(),
                d -> append(EntryKind.REKEY, d));
        this.scheduler = scheduler;
        this.publisher = publisher;
        this.metrics = metrics;
        this.onFatal = onFatal;
        Topics topics = new Topics(config.mqtt().topicPrefix());
        history.resumeWithin(config.presence().offlineAfter().plus(config.presence().heartbeat()).multipliedBy(2));
        EnvelopeSigner signer = new EnvelopeSigner(key, clock);
        this.slotSigner = new LedgeredSigner(signer, out);
        NodeJournal journal = new NodeJournal(this::append, metrics, clock, id, topics);
        Supplier<Roster> roster = this::roster;
        this.presence = new PresenceMachine(id, roster, config.presence(),
                config.federation().clockSkew().toMillis(), clock, scheduler, signer, topics, out, journal, this::observe);
        this.checkpoint = new CheckpointMachine(id, roster, config.checkpoint(),
                config.federation().clockSkew().toMillis(), clock, scheduler, slotSigner, signer, topics, out, journal,
                history, checkpoints, presence::onlineCount, t -> ledgerAge.refusal(t), jitter);
        this.arbiter = PolicySource.namesArbiters(config) ? new ArbiterMachine(id, PolicySource.of(roster, config),
                config.arbiter().expiryCheckEvery(), clock, scheduler, slotSigner, signer, topics, out, journal,
                t -> ledgerAge.refusal(t), this::onGap, jitter) : null;
        this.responder = config.responder().enabled() ? new Responder(id, config.responder(), roster,
                clock, scheduler, signer, topics, out, journal, jitter) : null;
        journal.deliverTo(responder);
        Optional<VerifiedMark> mark = Ledger.verifiedMark(config.node().dataDir(), key);
        FullVerifier verifier = new FullVerifier(mark);
        OrderReplay orderReplay = new OrderReplay(config.order().requestTtl().toMillis(), verifier.chain());
        this.payments = config.pm().enabled() ? new NodePayments(id, key, config.pm().policy(),
                config.federation().clockSkew().toMillis(), config.order().requestTtl().toMillis(), clock, scheduler, signer,
                slotSigner, out, topics, this::append, journal, new PmView(id, roster, this::ordering), jitter) : null;
        LedgerReplay replay = new LedgerReplay(id, verifier, history, checkpoints, slotSigner, arbiter,
                responder, topics, orderReplay).withPayments(payments);
        this.ledger = replay.open(config, key, clock, mark);
        try {
            this.ordering = OrderAnchors.ordering(config, id, orderReplay, clock, scheduler, slotSigner, signer, out,
                    topics, this::append, journal, rotation).orElse(null);
            if (ordering != null) {
                ordering.trackRequests(responder == null ? null : responder.requests());
                ordering.onResult(payments == null ? r -> { } : payments::executed);
            }
            if (payments != null) {
                payments.view().requireTimes(config.pm().policy());
                rotation.holdBy(payments::rotationHold);
            }
        } catch (IOException | RuntimeException e) {
            ledger.close(); // and with it the lock: the operator fixes the config and starts again
            throw e;
        }
        this.emptyAtOpen = ledger.lastSeq() == 0;
        this.ledgerAge = new LedgerAge(replay.beganState().orElse(LedgerAge.State.WAITING_FOR_CLOCK), replay.beganAt(),
                config.federation().clockSkew().toMillis(), clock::millis, presence::peerClockOffsets,
                config.federation().roster().size() <= 1, keyUse, this::append);
        slotSigner.attach(ledger);
        Duration twoWindows = config.arbiter().votingTimeout().plus(config.arbiter().fallbackExtension()).multipliedBy(2);
        long bootSince = Math.max(0, history.lastActivity(id, 0) - twoWindows.toMillis()); // before this run's boot entry
        this.sync = new SyncService(id, config.sync(), roster, this::signerOf, clock, scheduler, signer, topics,
                out, journal, SyncSources.of(checkpoints, arbiter, ordering, ledger, signer), presence::onlinePeerIds, this::onMessage,
                bootSince, twoWindows, replay.synced(),
                peer -> append(EntryKind.SYNCED, Json.object().put("peer", peer.hex())), jitter);
        ledgerAge.untilSynced(presence::startedAt, sync::caughtUp);
        checkpoint.onGap(sync::checkpointGap);
        ledgerEntries = ledger.entries();
        ledgerBytes = ledger.bytes();
        presence.begin();
        presence.onTwin(TwinException.handler(config.node().name(), presence::startedAt, () -> silenced = true, onFatal));
        presence.onResumed(this::reachable);
    }

    public void restored(String why) { // before start(): the key ran further than this ledger; sign nothing older
        ledgerAge.restored(why);
    }

    /** The roster in force: ordering's once it runs, else the YAML one. Any thread. */
    public Roster roster() {
        NodeOrdering o = ordering;
        return o == null ? config.federation().roster() : o.snapshot().current();
    }

    /** Who signed {@code env}, for the inbound gate: a member of the roster in force. Any thread. */
    public Optional<Member> signerOf(Envelope env) {
        NodeOrdering o = ordering;
        return o == null ? config.federation().roster().byId(env.from()) : o.snapshot().signer(env);
    }

    /** Ordering, when it runs. */
    public Optional<NodeOrdering> ordering() {
        return Optional.ofNullable(ordering);
    }

    /** On the loop thread: the boot entry, first heartbeat and the machines' timers. */
    public void start() {
        if (ordering != null && ordering.recoverTornChange()) {
            return; // its own rotation, recorded only now: it restarts with the new key, the old one signs nothing more
        }
        append(EntryKind.BOOT, BootRecord.of(config, publicKey, presence.startedAt(),
                ordering == null ? BootRecord.NOT_ORDERING : ordering.federation().state().epoch()).toJson());
        ledgerAge.start(emptyAtOpen);
        if (ordering != null) {
            ordering.start();
        }
        presence.start();
        checkpoint.start();
        if (arbiter != null) {
            arbiter.start();
        }
        responder().ifPresent(Responder::start);
        payments().ifPresent(NodePayments::start);
        sync.start(config.checkpoint().bootGrace());
        scheduler.schedule(config.checkpoint().bootGrace(), new GraceOver());
        scheduler.schedule(config.logging().statsEvery(), new StatsDue());
    }

    private LedgerEntry append(EntryKind kind, ObjectNode data) {
        LedgerEntry e = ledger.append(kind, data);
        LedgerReplay.track(history, id, e);
        return e;
    }

    /** How this ledger began, for signing, and whether the clock agrees with the peers' (for {@code status}). */
    public String signingState() {
        return ledgerAge.describe();
    }

    private void observe(PeerTransition t) {
        append(EntryKind.OBSERVATION, NodeJournal.observation(t));
        if (t.kind() != PeerTransition.Kind.OFFLINE) {
            reachable(t.peer());
        }
    }

    /** A peer can be reached again: what it has not acknowledged is due, and a sync waiting for a peer may begin. */
    private void reachable(NodeId peer) {
        responder().ifPresent(r -> r.peerOnline(peer));
        sync.peerOnline(peer);
    }

    private void onGap() {
        sync.gap();
    }

    @Override
    public void onMessage(InboundMessage message) {
        if (rotation.pending()) {
            metrics.protocolRejected("rekeying");
            return;
        }
        MessageRoutes.route(this, message);
    }

    @Override
    public void onTimer(TimerFired timer) {
        TimerKey key = timer.key();
        if (rotation.pending()) {
            return;
        } else if (key instanceof StatsDue) {
            logStats();
            scheduler.schedule(config.logging().statsEvery(), new StatsDue());
        } else if (!MessageRoutes.timer(this, key) && key instanceof GraceOver && responder != null) {
            responder.bootGraceOver();
        }
    }

    @Override
    public void onControl(ControlRequest request) {
        if (rotation.pending()) {
            request.reply().completeExceptionally(new ControlCommands.Refused("restarting with the rotated key"));
        } else {
            out.answer(request.reply(), request.action().apply(this));
        }
    }

    @Override
    public void onShutdown(Shutdown shutdown) {
        if (failed || silenced || rotation.pending()) {
            return; // after a rotation, the rekey entry stays the last one the old key signs
        }
        ObjectNode data = Json.object();
        data.put("reason", shutdown.reason());
        append(EntryKind.SHUTDOWN, data);
        out.publish(presence.topic(), presence.shutdownNotice(), true);
        LOG.atInfo().addKeyValue("reason", shutdown.reason()).log("stopping: input closed, offline notice queued");
    }

    /** Group commit: the batch's entries are made durable before any of its messages leaves. */
    @Override
    public void afterBatch() {
        if (failed || silenced) {
            out.discard("the node stopped before this batch was recorded");
            return;
        }
        try {
            if (out.commitAndPublish(ledger, publisher, metrics)) {
                ledgerEntries = ledger.entries();
                ledgerBytes = ledger.bytes();
                ledgerAge.committed();
            }
            if (rotation.pending()) {
                silenced = true; // the rekey entry is the last one the old key signs
                rotation.durable();
            }
        } catch (LedgerException | RuntimeException e) {
            fail(e);
        }
    }

    private void fail(Throwable e) {
        failed = true;
        out.discard("not recorded: the ledger failed");
        LOG.atError().addKeyValue("error", e.getMessage()).log("fatal ledger error: no further appends or publishes; exiting");
        onFatal.accept(e);
    }

    /** What restarts the node with its new key once its own rotation is durable. */
    public void onRekey(Runnable action) {
        rotation.onRekey(action);
    }

    /** From now on nothing is written or sent: a simulated crash. */
    public void silence() {
        silenced = true;
    }

    void heardPeer() { // signing may begin once the clocks agree
        ledgerAge.beginIfClockAgrees();
    }

    void logStats() {
        NodeMetrics.logStats(this, out.fsyncP99Micros());
    }

    /** Closes the ledger; after an orderly run (no fatal error, no simulated crash) first marks it all verified. */
    public void closeLedger() throws IOException {
        try {
            if (!failed && !silenced && !ledger.failed() && !ledger.hasPending()) {
                ledger.markVerified();
            }
        } finally {
            ledger.close();
        }
    }

    public NodeId id() {
        return id;
    }

    public QuorumdConfig config() {
        return config;
    }

    public PresenceMachine presence() {
        return presence;
    }

    public CheckpointMachine checkpoint() {
        return checkpoint;
    }

    /** What this node derived of every subject's runs; loop thread only. */
    public RunHistory history() {
        return history;
    }

    public NodeMetrics metrics() {
        return metrics;
    }

    /** The arbiter machine, or empty when the roster names no arbiters. */
    public Optional<ArbiterMachine> arbiter() {
        return Optional.ofNullable(arbiter);
    }

    /** The ticket machine, or empty when pm is off. */
    Optional<NodePayments> payments() {
        return Optional.ofNullable(payments);
    }

    /** The responder, or empty when it is off. */
    public Optional<Responder> responder() {
        return Optional.ofNullable(responder);
    }

    public SyncService sync() {
        return sync;
    }

    public CheckpointStore checkpoints() {
        return checkpoints;
    }

    public Ledger ledger() {
        return ledger;
    }

    public boolean failed() {
        return failed;
    }

    public long ledgerEntries() {
        return ledgerEntries;
    }

    public long ledgerBytes() {
        return ledgerBytes;
    }
}
