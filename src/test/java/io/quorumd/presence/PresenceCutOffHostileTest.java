package io.quorumd.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.config.QuorumdConfig.PresenceSection;
import io.quorumd.crypto.NodeKey;
import io.quorumd.loop.InboundMessage;
import io.quorumd.loop.Scheduler;
import io.quorumd.loop.TimerKey;
import io.quorumd.sim.RecordingJournal;
import io.quorumd.sim.VirtualClock;
import io.quorumd.sim.VirtualScheduler;
import io.quorumd.wire.Body;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Heartbeat;
import io.quorumd.wire.Member;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.Offline;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import io.quorumd.wire.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile and careless cases of "cut off" (heartbeat 1 s, offlineAfter 4 s): brokers that do not echo, replays,
 * what waits at the broker, clock steps, a flaky link, copied wills. Timers run on a monotonic schedule of this
 * test's own, so the wall clock can be stepped back as NTP or an operator may.
 */
class PresenceCutOffHostileTest {
    private static final NodeKey ME = PresenceKeys.key(1);
    private static final NodeKey BOB = PresenceKeys.key(2);
    private static final NodeKey EVE = PresenceKeys.key(3);
    private static final Roster ROSTER = new Roster(List.of(
            new Member("me", ME.publicKey(), Set.of(Role.VOTER)), new Member("bob", BOB.publicKey(), Set.of(Role.VOTER)),
            new Member("eve", EVE.publicKey(), Set.of(Role.VOTER))));
    private static final Topics TOPICS = new Topics("q/t");

    /** Timers on monotonic time; the wall clock (VirtualClock) is moved through a timer-less VirtualScheduler. */
    private final class MonoScheduler implements Scheduler {
        private record Due(long at, long order, TimerKey key) {
        }

        private final PriorityQueue<Due> queue = new PriorityQueue<>((a, b) -> a.at != b.at
                ? Long.compare(a.at, b.at) : Long.compare(a.order, b.order));
        private long mono;
        private long order;

        @Override
        public Cancellable schedule(Duration delay, TimerKey key) {
            queue.add(new Due(mono + Math.max(0, delay.toMillis()), order++, key));
            return () -> { };
        }

        void advance(Duration d) {
            long until = mono + d.toMillis();
            while (!queue.isEmpty() && queue.peek().at <= until) {
                Due due = queue.poll();
                mover.advance(Duration.ofMillis(due.at - mono));
                mono = due.at;
                machine.onTimer(due.key);
            }
            mover.advance(Duration.ofMillis(until - mono));
            mono = until;
        }
    }

    private VirtualClock clock;
    private VirtualScheduler mover;
    private MonoScheduler timers;
    private PresenceMachine machine;
    /** The broker is reachable at all. */
    private boolean brokerUp = true;
    /** The broker hands this node its own live publications back (MQTT 3.1.1 default; EMQX ignore_loop_deliver off). */
    private boolean echoes = true;
    private final List<Envelope> ownPublished = new ArrayList<>();
    private final List<PeerTransition> transitions = new ArrayList<>();

    @BeforeEach
    void setUp() {
        clock = new VirtualClock(1_800_000_000_000L);
        mover = new VirtualScheduler(clock);
        timers = new MonoScheduler();
    }

    private void boot() {
        machine = new PresenceMachine(ME.nodeId(), ROSTER, new PresenceSection(Duration.ofSeconds(1), Duration.ofSeconds(4)),
                1_000, clock, timers, new EnvelopeSigner(ME, clock), TOPICS, (topic, env, retained) -> {
                    ownPublished.add(env);
                    if (brokerUp && echoes) {
                        machine.onMessage(new InboundMessage(topic, env, ROSTER.byId(ME.nodeId()).orElseThrow()));
                    }
                }, new RecordingJournal(), transitions::add);
        machine.begin();
        machine.start();
    }

    private void from(NodeKey who, Body body) {
        if (!brokerUp) {
            return;
        }
        MessageType type = body instanceof Heartbeat ? MessageType.PRESENCE_HEARTBEAT : MessageType.PRESENCE_OFFLINE;
        Envelope env = new EnvelopeSigner(who, clock).sign(type, body);
        machine.onMessage(new InboundMessage(TOPICS.presence(who.nodeId()), env, ROSTER.byId(who.nodeId()).orElseThrow()));
    }

    private void deliverOwn(Envelope env, InboundMessage.Origin origin) {
        machine.onMessage(new InboundMessage(TOPICS.presence(ME.nodeId()), env, ROSTER.byId(ME.nodeId()).orElseThrow(),
                origin));
    }

    /** Bob sends a heartbeat of run 100 every second for {@code seconds}, while time passes. */
    private long bobBeats(long seq, int seconds) {
        for (int i = 0; i < seconds; i++) {
            from(BOB, new Heartbeat(100, seq++));
            timers.advance(Duration.ofSeconds(1));
        }
        return seq;
    }

    private List<PeerTransition> of(NodeKey who) {
        return transitions.stream().filter(t -> t.peer().equals(who.nodeId())).toList();
    }

    private List<PeerTransition.Kind> kinds(NodeKey who) {
        return of(who).stream().map(PeerTransition::kind).toList();
    }

    /**
     * A broker that does not hand a client its own messages back still hands it the retained heartbeat of its
     * previous run on subscribe: that copy proves nothing, and silence is counted as if the node could always hear.
     */
    @Test
    void aNonEchoingBrokerLatchesCutOffAfterTheRetainedOwnHeartbeat() {
        echoes = false;
        // The previous run's retained heartbeat, handed over on subscribe.
        Envelope previousRun = new EnvelopeSigner(ME, clock).signAt(MessageType.PRESENCE_HEARTBEAT,
                new Heartbeat(clock.millis() - 3_600_000, 999), clock.millis() - 60_000);
        boot();
        deliverOwn(previousRun, InboundMessage.Origin.RETAINED);
        long seq = bobBeats(0, 20);
        assertFalse(machine.cutOff(), "the broker is up and bob is heard every second");
        assertEquals(1, machine.onlineCount(), "bob is online");
        bobBeats(seq, 0);
        timers.advance(Duration.ofSeconds(60)); // bob dies without a will (hung process, or broker lost it)
        assertEquals(List.of(PeerTransition.Kind.ONLINE, PeerTransition.Kind.OFFLINE), kinds(BOB),
                "bob's silence is counted as before");
    }

    /**
     * The same, with a member replaying one heartbeat of this node on its presence topic: its peers heard for
     * offlineAfter with none of its own show the broker does not echo, and silence counts as before.
     */
    @Test
    void onANonEchoingBrokerAHostileReplayOfOneOwnHeartbeatStopsAllSilenceForGood() {
        echoes = false;
        boot();
        long seq = bobBeats(0, 3);
        // eve (no ACLs) publishes a copy of one of this node's heartbeats on this node's presence topic.
        deliverOwn(ownPublished.get(0), InboundMessage.Origin.LIVE);
        seq = bobBeats(seq, 10);
        // Bob now dies without a will.
        timers.advance(Duration.ofMinutes(10));
        assertEquals(List.of(PeerTransition.Kind.ONLINE, PeerTransition.Kind.OFFLINE), kinds(BOB),
                "bob silent for 10 min while this node hears everything");
    }

    /**
     * On reconnect what waited at the broker (a peer's will, queued or retained) arrives before this node's own
     * next heartbeat comes back: the node is still cut off, so the will is dated at the peer's last heartbeat.
     */
    @Test
    void aWillDeliveredBeforeTheFirstOwnEchoAfterTheGapIsDatedAtArrival() {
        boot();
        bobBeats(0, 3);
        long lastHeard = clock.millis() - 1000;
        brokerUp = false;
        timers.advance(Duration.ofSeconds(60));
        assertTrue(machine.cutOff());
        brokerUp = true;
        from(BOB, new Offline(100, Offline.Reason.LOST)); // queued/retained: first thing after CONNACK/SUBACK
        assertEquals(List.of(PeerTransition.Kind.ONLINE, PeerTransition.Kind.OFFLINE), kinds(BOB));
        assertEquals(lastHeard, of(BOB).get(1).at(), "dated at bob's last heartbeat, not 60 s later");
    }

    /** The same with a newer run: the old one ended unseen, dated at its last heartbeat. */
    @Test
    void aNewRunHeardBeforeTheFirstOwnEchoAfterTheGapEndsTheOldRunAtTheNewStart() {
        boot();
        bobBeats(0, 3);
        long lastHeard = clock.millis() - 1000;
        brokerUp = false;
        timers.advance(Duration.ofSeconds(60));
        brokerUp = true;
        from(BOB, new Heartbeat(clock.millis() - 3_000, 0)); // bob restarted during the gap
        assertEquals(List.of(PeerTransition.Kind.ONLINE, PeerTransition.Kind.OFFLINE, PeerTransition.Kind.RESTARTED,
                PeerTransition.Kind.ONLINE), kinds(BOB), "ended unseen, as when the own echo came first");
        assertEquals(lastHeard, of(BOB).get(1).at());
    }

    /** A wall clock stepped back by ten minutes begins a new stretch of hearing: a peer beating on stays online. */
    @Test
    void aWallClockSteppedBackMakesEveryLivePeerFlap() {
        boot();
        long seq = bobBeats(0, 5);
        clock.jump(-600_000); // NTP / operator steps the wall clock back 10 minutes
        seq = bobBeats(seq, 60);
        assertEquals(List.of(PeerTransition.Kind.ONLINE), kinds(BOB), "bob beat every second throughout");
        assertEquals(1, machine.onlineCount());
    }

    /**
     * Silence heard before a gap still counts after it: an observer whose link keeps dropping for a little more
     * than offlineAfter still declares a dead peer (no will: a hung process, a broker restarted without
     * persistence) silent once it has heard for offlineAfter in all.
     */
    @Test
    void aFlakyObserverNeverDeclaresADeadPeerSilent() {
        boot();
        bobBeats(0, 3); // then bob dies, no will
        for (int i = 0; i < 20; i++) { // 3.5 s heard, 5 s cut off: 20 cycles, 70 s of hearing itself
            timers.advance(Duration.ofMillis(3_500));
            brokerUp = false;
            timers.advance(Duration.ofSeconds(5));
            brokerUp = true;
        }
        timers.advance(Duration.ofMillis(500));
        assertEquals(List.of(PeerTransition.Kind.ONLINE, PeerTransition.Kind.OFFLINE), kinds(BOB),
                "bob silent over 70 s of this node hearing itself");
    }

    /**
     * An offline notice carries no sequence number and a will is signed once per run: a member that kept bob's
     * will re-publishes it after each of bob's heartbeats. Only the first copy is taken; the rest are refused.
     */
    @Test
    void aReplayedWillOfTheCurrentRunTakesBobOfflineEveryTime() {
        boot();
        long seq = bobBeats(0, 3);
        Envelope will = new EnvelopeSigner(BOB, clock).sign(MessageType.PRESENCE_OFFLINE,
                new Offline(100, Offline.Reason.LOST)); // published by the broker once, on a blip; kept by eve
        for (int i = 0; i < 30; i++) {
            from(BOB, new Heartbeat(100, seq++));
            timers.advance(Duration.ofMillis(10));
            machine.onMessage(new InboundMessage(TOPICS.presence(BOB.nodeId()), will, ROSTER.byId(BOB.nodeId()).orElseThrow()));
            timers.advance(Duration.ofMillis(990));
        }
        // The first copy cannot be told from the broker's own publication of the will; every later one is refused.
        assertEquals(List.of(PeerTransition.Kind.ONLINE, PeerTransition.Kind.OFFLINE, PeerTransition.Kind.ONLINE),
                kinds(BOB), "bob beat every second for 30 s");
    }
}
