package io.quorumd.presence;

import io.quorumd.config.QuorumdConfig.PresenceSection;
import io.quorumd.crypto.NodeId;
import io.quorumd.loop.InboundMessage;
import io.quorumd.loop.Journal;
import io.quorumd.loop.Outbox;
import io.quorumd.loop.Scheduler;
import io.quorumd.loop.TimerKey;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Heartbeat;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.Offline;
import io.quorumd.wire.Roster;
import io.quorumd.wire.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Heartbeats out, peer liveness in. Publishes a signed, retained heartbeat every {@code heartbeat}; a
 * peer is online from a live heartbeat of its current run until its offline notice (last will or
 * shutdown) or {@code offlineAfter} of silence. A heartbeat of a newer run is a restart; messages of an
 * older run, and heartbeats signed more than {@code offlineAfter} ago (retained, or queued by the broker
 * while this node was away), change nothing.
 * Silence counts only while this node can hear ({@link Hearing}).
 * <p>
 * A peer signs its own presence, so a hostile one could make every node write observations as fast as it can
 * sign: messages dated beyond the clock skew, runs said to start after their own heartbeat and copies of an
 * offline notice already taken ({@link OfflineNotices}) are refused, and each peer has a budget of transitions
 * ({@link TransitionBudgets}): a message that would need one beyond it is refused and changes nothing.
 * <p>
 * The roster is read through a supplier of immutable snapshots, which the node swaps on a roster change
 * (DESIGN §12); nothing is precomputed from it. The peers are the members of the current roster other than
 * this node: a member added later is a peer from its first heartbeat on (online with cause
 * {@code first_seen}); a member removed stops being one at once — {@link #peers()}, {@link #onlineCount()}
 * and {@link #peerClockOffsets()} leave it out — and at the machine's next event its state is dropped,
 * with an offline transition (cause {@code removed}) if it was online. A heartbeat or offline notice from a
 * sender outside the current roster (one admitted under an older roster) is refused as
 * {@code not_a_member} and changes nothing. Loop thread only; {@link #peers()}, {@link #onlineCount()} and
 * {@link #peerClockOffsets()} may be read from any thread (the supplier must then be safe to call from
 * any thread, as a field holding an immutable snapshot is).
 */
public final class PresenceMachine {
    private static final Logger LOG = LoggerFactory.getLogger(PresenceMachine.class);

    /** Time to publish the next heartbeat of the run that started at {@code startedAt}. */
    public record HeartbeatDue(long startedAt) implements TimerKey {
    }

    /** Time to look for peers that went silent. */
    public record SweepDue(long startedAt) implements TimerKey {
    }

    static final int TRANSITION_BURST = 8;

    private final NodeId self;
    private final Supplier<Roster> rosterSource;
    /** The roster the peer state was last reconciled with (loop thread). */
    private Roster reconciled;
    private final PresenceSection settings;
    private final long skewMs;
    private final Journal journal;
    private final TransitionBudgets budgets = new TransitionBudgets(TRANSITION_BURST);
    private final Clock clock;
    private final Scheduler scheduler;
    private final EnvelopeSigner signer;
    private final Topics topics;
    private final Outbox outbox;
    private final PresenceListener listener;
    private final Map<NodeId, PeerState> peers = new ConcurrentHashMap<>();
    private final PeerClocks clocks = new PeerClocks();
    private final OfflineNotices notices = new OfflineNotices();
    private long startedAt = -1;
    private long seq;
    private final Hearing hearing;
    private java.util.function.Consumer<NodeId> onResumed = peer -> { };

    /** With a fixed roster. */
    public PresenceMachine(NodeId self, Roster roster, PresenceSection settings, long skewMs, Clock clock,
                           Scheduler scheduler, EnvelopeSigner signer, Topics topics, Outbox outbox, Journal journal,
                           PresenceListener listener) {
        this(self, () -> roster, settings, skewMs, clock, scheduler, signer, topics, outbox, journal, listener);
    }

    /** With the roster of the moment: {@code roster} returns the current immutable snapshot. */
    public PresenceMachine(NodeId self, Supplier<Roster> roster, PresenceSection settings, long skewMs, Clock clock,
                           Scheduler scheduler, EnvelopeSigner signer, Topics topics, Outbox outbox, Journal journal,
                           PresenceListener listener) {
        this.self = self;
        this.rosterSource = roster;
        this.settings = settings;
        this.skewMs = skewMs;
        this.journal = journal;
        this.clock = clock;
        this.scheduler = scheduler;
        this.signer = signer;
        this.topics = topics;
        this.outbox = outbox;
        this.listener = listener;
        this.hearing = new Hearing(settings.offlineAfter().toMillis(), skewMs);
    }

    /** Fixes this run's start time; must precede {@link #lastWill()} and {@link #start()}. */
    public void begin() {
        startedAt = clock.millis();
    }

    public long startedAt() {
        return startedAt;
    }

    /** The signed offline notice the broker publishes for this run if the connection dies. */
    public Envelope lastWill() {
        return signer.sign(MessageType.PRESENCE_OFFLINE, new Offline(startedAt, Offline.Reason.LOST));
    }

    /** The signed offline notice published on an orderly stop. */
    public Envelope shutdownNotice() {
        return signer.sign(MessageType.PRESENCE_OFFLINE, new Offline(startedAt, Offline.Reason.SHUTDOWN));
    }

    /**
     * Told, once per run (at most four), the start time of another run heard live with this node's key: a
     * heartbeat of another start time, not retained, signed after this run started and within the skew of this
     * node's clock (a replay of an old one, even of a run whose clock was fast, is neither).
     */
    public void onTwin(java.util.function.LongConsumer listener) {
        hearing.onTwin(listener);
    }

    /** Told of a peer heard again in the same run after this node was cut off: what was sent to it may be lost. */
    public void onResumed(java.util.function.Consumer<NodeId> listener) {
        this.onResumed = listener;
    }

    public String topic() {
        return topics.presence(self);
    }

    /** Publishes the first heartbeat and starts the heartbeat and sweep timers. */
    public void start() {
        if (startedAt < 0) {
            throw new IllegalStateException("begin() must run before start()");
        }
        publishHeartbeat();
        scheduler.schedule(sweepEvery(), new SweepDue(startedAt));
    }

    /** What this node believes about each peer it heard of that is a member of the current roster. */
    public Map<NodeId, PeerState> peers() {
        Roster roster = rosterSource.get();
        return peers.entrySet().stream().filter(e -> isPeer(roster, e.getKey()))
                .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    /**
     * Peers of the current roster believed online, by node id (not map order, which differs between JVMs); none
     * while this node is {@link #cutOff()}: it can then reach no one, whatever it last heard.
     */
    public List<NodeId> onlinePeerIds() {
        return peers().entrySet().stream().filter(e -> e.getValue().online() && !cutOff()).map(Map.Entry::getKey)
                .sorted(java.util.Comparator.comparing(NodeId::hex)).toList();
    }

    /** Peers of the current roster believed online; none while this node is {@link #cutOff()}. */
    public long onlineCount() {
        Roster roster = rosterSource.get();
        return cutOff() ? 0 : peers.entrySet().stream().filter(e -> e.getValue().online() && isPeer(roster, e.getKey())).count();
    }

    private boolean isPeer(Roster roster, NodeId id) {
        return !id.equals(self) && roster.byId(id).isPresent();
    }

    /**
     * The current roster, after dropping what is kept about members it no longer has (an online one goes
     * offline, cause {@code removed}). Loop thread.
     */
    private Roster roster() {
        Roster roster = rosterSource.get();
        if (roster == reconciled) {
            return roster;
        }
        Roster before = reconciled;
        reconciled = roster;
        budgets.forget(id -> !isPeer(roster, id));
        clocks.forget(id -> !isPeer(roster, id));
        notices.forget(id -> !isPeer(roster, id));
        for (NodeId id : List.copyOf(peers.keySet())) {
            if (!isPeer(roster, id)) {
                PeerState p = peers.remove(id);
                if (p.online()) {
                    String name = before == null ? id.shortHex() : before.label(id);
                    transition(new PeerTransition(PeerTransition.Kind.OFFLINE, id, name, p.startedAt(), "removed",
                            clock.millis()));
                }
            }
        }
        return roster;
    }

    /**
     * How this node's clock compares with its peers', from each peer's latest heartbeat that followed another
     * of the same run (a run's first may be a retained, older one) and arrived within two offlineAfter:
     * their clock less this node's (transit included), in order. Counted before any freshness check, so a
     * clock far off still shows. Any thread.
     */
    public List<Long> peerClockOffsets() {
        Roster roster = rosterSource.get();
        return clocks.offsets(id -> isPeer(roster, id), clock.millis(), 2 * settings.offlineAfter().toMillis());
    }

    public void onTimer(TimerKey key) {
        roster();
        if (key instanceof HeartbeatDue due && due.startedAt() == startedAt) {
            publishHeartbeat();
        } else if (key instanceof SweepDue due && due.startedAt() == startedAt) {
            sweep();
            scheduler.schedule(sweepEvery(), new SweepDue(startedAt));
        }
    }

    public void onMessage(InboundMessage m) {
        Envelope env = m.envelope();
        if (env.from().equals(self)) {
            if (env.body() instanceof Heartbeat hb) {
                hearing.own(m, hb, startedAt, clock.millis());
            }
            return;
        }
        Roster roster = roster();
        if (roster.byId(env.from()).isEmpty()) {
            journal.rejected("not_a_member", env.type().wireName() + " of " + env.from().shortHex()
                    + ", who is not in the roster");
            return;
        }
        if (env.body() instanceof Heartbeat hb) {
            clocks.sample(env, hb, clock.millis());
        }
        if (env.ts() > clock.millis() + skewMs) {
            journal.rejected("future_ts", env.type().wireName() + " of " + label(env.from()) + " is dated ahead");
            return;
        }
        if (env.body() instanceof Heartbeat hb) {
            onHeartbeat(env, hb);
        } else if (env.body() instanceof Offline off) {
            onOffline(env, off);
        }
    }

    private void onHeartbeat(Envelope env, Heartbeat hb) {
        long now = clock.millis();
        PeerState known = peers.get(env.from());
        if (known != null && hb.startedAt() < known.startedAt()) {
            return; // a heartbeat of an older run
        }
        // Retained heartbeats and ones the broker queued for this node's session while it was away arrive
        // late; only a heartbeat signed within offlineAfter says the peer is alive now.
        boolean stale = now - env.ts() > settings.offlineAfter().toMillis();
        if (stale) {
            if (known == null) {
                peers.put(env.from(), new PeerState(PeerState.Status.OFFLINE, hb.startedAt(), hb.seq(), 0));
            }
            return;
        }
        if (hb.startedAt() > env.ts() + skewMs) {
            journal.rejected("bad_start", "heartbeat of " + label(env.from()) + " says its run starts after it");
            return;
        }
        boolean restarted = known != null && hb.startedAt() > known.startedAt();
        // A heartbeat of the current run no later than the last one heard is a copy (a replay, a redelivery),
        // even when the peer is offline now: it must not bring back a run that shut down or went silent.
        if (known != null && !restarted && hb.seq() <= known.lastSeq()) {
            journal.rejected("duplicate", "heartbeat " + hb.seq() + " of " + label(env.from()) + " again");
            return;
        }
        // A new run found after this node was itself cut off: the old one ended unseen, dated as a silence is.
        boolean gap = known != null && hearing.gapSince(known.lastHeardAt(), now);
        hearing.heard(startedAt, now); // fresh, live and new: whatever happens to it next, this node can hear
        boolean endedUnseen = restarted && known.online() && gap;
        boolean back = known == null || !known.online() || endedUnseen;
        boolean resumed = !back && !restarted && gap;
        if (!spend(env.from(), (restarted ? 1 : 0) + (back ? 1 : 0) + (endedUnseen ? 1 : 0), now)) {
            return;
        }
        if (endedUnseen) {
            transition(PeerTransition.Kind.OFFLINE, env.from(), known.startedAt(), "silent", known.lastHeardAt());
        }
        peers.put(env.from(), new PeerState(PeerState.Status.ONLINE, hb.startedAt(), hb.seq(), now));
        if (restarted) {
            transition(PeerTransition.Kind.RESTARTED, env.from(), hb.startedAt(), "new_start");
        }
        if (back) { // in the same run after this node's own gap: back from when this node stopped hearing (Hearing)
            long at = known == null || restarted ? now : hearing.backFrom(notices.leftAt(env.from(), now), now);
            transition(PeerTransition.Kind.ONLINE, env.from(), hb.startedAt(), known == null ? "first_seen" : "back", at);
        } else if (resumed) {
            onResumed.accept(env.from());
        }
    }

    private void onOffline(Envelope env, Offline off) {
        NodeId from = env.from();
        PeerState known = peers.get(from);
        if (known == null) {
            peers.put(from, new PeerState(PeerState.Status.OFFLINE, off.startedAt(), -1, 0)); // no heartbeat heard
            return;
        }
        if (off.startedAt() < known.startedAt()) {
            return; // the will of an older run
        }
        if (known.online() && notices.copy(from, off.startedAt(), env.ts())) {
            journal.rejected("duplicate", "offline notice of " + label(from) + " again, after it was heard alive");
            return;
        }
        if (!spend(from, known.online() ? 1 : 0, clock.millis())) {
            return;
        }
        notices.took(from, off.startedAt(), env.ts());
        peers.put(from, new PeerState(PeerState.Status.OFFLINE, off.startedAt(), known.lastSeq(), known.lastHeardAt()));
        if (known.online()) { // one that reached this node only after it was cut off is dated as a silence is
            transition(PeerTransition.Kind.OFFLINE, from, off.startedAt(), off.reason().code(),
                    hearing.gapSince(known.lastHeardAt(), clock.millis()) ? known.lastHeardAt() : clock.millis());
        }
    }

    /** Takes {@code n} transitions from the peer's budget (one more per heartbeat interval); false, counted, if it cannot. */
    private boolean spend(NodeId peer, int n, long now) {
        boolean ok = budgets.take(peer, n, now, settings.heartbeat().toMillis());
        if (!ok) {
            journal.rejected("presence_rate", label(peer) + " changed state more often than its budget allows");
        }
        return ok;
    }

    /** True while this node is cut off from the broker as far as it can tell ({@link Hearing}). Any thread. */
    public boolean cutOff() {
        return hearing.cutOff(clock.millis());
    }

    /**
     * Declares silent the online peers not heard for offlineAfter of the time since their last heartbeat that
     * this node could hear ({@link Hearing#heardFor}): time it was itself cut off is no evidence against a peer.
     */
    private void sweep() {
        long now = clock.millis();
        long limit = settings.offlineAfter().toMillis();
        hearing.report(now);
        for (Map.Entry<NodeId, PeerState> e : peers.entrySet()) {
            PeerState p = e.getValue();
            if (p.online() && hearing.heardFor(p.lastHeardAt(), now) > limit) {
                peers.put(e.getKey(), new PeerState(PeerState.Status.OFFLINE, p.startedAt(), p.lastSeq(), p.lastHeardAt()));
                transition(PeerTransition.Kind.OFFLINE, e.getKey(), p.startedAt(), "silent", hearing.silentFrom(p.lastHeardAt()));
            }
        }
    }

    private void publishHeartbeat() {
        Envelope hb = signer.sign(MessageType.PRESENCE_HEARTBEAT, new Heartbeat(startedAt, seq++));
        outbox.publish(topic(), hb, true);
        scheduler.schedule(settings.heartbeat(), new HeartbeatDue(startedAt));
    }

    private Duration sweepEvery() {
        Duration quarter = settings.offlineAfter().dividedBy(4);
        return quarter.compareTo(settings.heartbeat()) < 0 ? quarter : settings.heartbeat();
    }

    /** The member's name in the roster last reconciled with (loop thread). */
    private String label(NodeId id) {
        return reconciled == null ? rosterSource.get().label(id) : reconciled.label(id);
    }

    private void transition(PeerTransition.Kind kind, NodeId peer, long peerStartedAt, String cause) {
        transition(kind, peer, peerStartedAt, cause, clock.millis());
    }

    /** {@code at}: when it happened as best known (for silence: when the peer was last heard). */
    private void transition(PeerTransition.Kind kind, NodeId peer, long peerStartedAt, String cause, long at) {
        transition(new PeerTransition(kind, peer, label(peer), peerStartedAt, cause, at));
    }

    private void transition(PeerTransition t) {
        if (t.kind() == PeerTransition.Kind.OFFLINE) {
            notices.left(t.peer(), t.at());
        }
        LOG.atInfo().addKeyValue("peer", t.name()).addKeyValue("id", t.peer().shortHex()).addKeyValue("cause", t.cause())
                .log(t.kind().logText());
        listener.onTransition(t);
    }
}
