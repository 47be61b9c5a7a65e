package io.quorumd.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.config.QuorumdConfig.PresenceSection;
import io.quorumd.crypto.NodeKey;
import io.quorumd.loop.InboundMessage;
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
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PresenceMachineTest {
    private static final NodeKey ME = PresenceKeys.key(1);
    private static final NodeKey BOB = PresenceKeys.key(2);
    private static final Roster ROSTER = new Roster(List.of(
            new Member("me", ME.publicKey(), Set.of(Role.VOTER)), new Member("bob", BOB.publicKey(), Set.of(Role.VOTER))));
    private static final PresenceSection SETTINGS = new PresenceSection(Duration.ofSeconds(1), Duration.ofSeconds(4));
    private static final Topics TOPICS = new Topics("q/t");

    private VirtualClock clock;
    private VirtualScheduler scheduler;
    private PresenceMachine machine;
    private final List<Envelope> published = new ArrayList<>();
    private final List<PeerTransition> transitions = new ArrayList<>();
    private final RecordingJournal rejects = new RecordingJournal();

    @BeforeEach
    void setUp() {
        clock = new VirtualClock(1_800_000_000_000L);
        scheduler = new VirtualScheduler(clock);
        machine = new PresenceMachine(ME.nodeId(), ROSTER, SETTINGS, 1_000, clock, scheduler, new EnvelopeSigner(ME, clock),
                TOPICS, (topic, env, retained) -> published.add(env), rejects, transitions::add);
        scheduler.deliverTo(t -> machine.onTimer(t.key()));
        machine.begin();
        machine.start();
    }

    private void fromBob(Body body, long ts) {
        MessageType type = body instanceof Heartbeat ? MessageType.PRESENCE_HEARTBEAT : MessageType.PRESENCE_OFFLINE;
        Envelope env = new EnvelopeSigner(BOB, clock).signAt(type, body, ts);
        machine.onMessage(new InboundMessage(TOPICS.presence(BOB.nodeId()), env, ROSTER.byId(BOB.nodeId()).orElseThrow()));
    }

    private List<PeerTransition.Kind> kinds() {
        return transitions.stream().map(PeerTransition::kind).toList();
    }

    @Test
    void publishesSignedHeartbeatsEveryInterval() {
        scheduler.advance(Duration.ofMillis(3500));
        assertEquals(4, published.size(), "at start, then at 1s, 2s, 3s");
        for (int i = 0; i < 4; i++) {
            assertEquals(new Heartbeat(machine.startedAt(), i), published.get(i).body());
        }
    }

    @Test
    void heartbeatMakesPeerOnlineAndSilenceMakesItOffline() {
        fromBob(new Heartbeat(100, 0), clock.millis());
        assertEquals(List.of(PeerTransition.Kind.ONLINE), kinds());
        assertEquals("first_seen", transitions.get(0).cause());
        scheduler.advance(Duration.ofSeconds(4));
        assertEquals(1, machine.onlineCount(), "4s of silence is not more than offlineAfter");
        scheduler.advance(Duration.ofSeconds(1));
        assertEquals(List.of(PeerTransition.Kind.ONLINE, PeerTransition.Kind.OFFLINE), kinds());
        assertEquals("silent", transitions.get(1).cause());
    }

    @Test
    void lastWillOfCurrentRunTakesPeerOffline() {
        fromBob(new Heartbeat(100, 0), clock.millis());
        fromBob(new Offline(100, Offline.Reason.LOST), clock.millis());
        assertEquals(List.of(PeerTransition.Kind.ONLINE, PeerTransition.Kind.OFFLINE), kinds());
        assertEquals("lost", transitions.get(1).cause());
    }

    @Test
    void willOfAnOlderRunIsIgnored() {
        fromBob(new Heartbeat(200, 0), clock.millis());
        fromBob(new Offline(100, Offline.Reason.LOST), clock.millis());
        assertEquals(List.of(PeerTransition.Kind.ONLINE), kinds());
        assertEquals(1, machine.onlineCount());
    }

    @Test
    void newStartTimeIsARestart() {
        fromBob(new Heartbeat(100, 5), clock.millis());
        fromBob(new Heartbeat(300, 0), clock.millis());
        assertEquals(List.of(PeerTransition.Kind.ONLINE, PeerTransition.Kind.RESTARTED), kinds());
        assertEquals(300, machine.peers().get(BOB.nodeId()).startedAt());
    }

    @Test
    void restartAfterOfflineIsLoggedAsRestartAndOnline() {
        fromBob(new Heartbeat(100, 5), clock.millis());
        fromBob(new Offline(100, Offline.Reason.SHUTDOWN), clock.millis());
        fromBob(new Heartbeat(300, 0), clock.millis());
        assertEquals(List.of(PeerTransition.Kind.ONLINE, PeerTransition.Kind.OFFLINE, PeerTransition.Kind.RESTARTED,
                PeerTransition.Kind.ONLINE), kinds());
        assertEquals("back", transitions.get(3).cause());
    }

    @Test
    void replayedHeartbeatAfterShutdownDoesNotBringThePeerBack() {
        fromBob(new Heartbeat(100, 4), clock.millis());
        fromBob(new Heartbeat(100, 5), clock.millis());
        fromBob(new Offline(100, Offline.Reason.SHUTDOWN), clock.millis());
        fromBob(new Heartbeat(100, 5), clock.millis());
        fromBob(new Heartbeat(100, 4), clock.millis());
        assertEquals(List.of(PeerTransition.Kind.ONLINE, PeerTransition.Kind.OFFLINE), kinds());
        assertEquals(0, machine.onlineCount());
        assertEquals(2, rejects.count("duplicate"));
    }

    @Test
    void aPeerBackFromALostConnectionWithALaterHeartbeatOfTheSameRunIsOnline() {
        fromBob(new Heartbeat(100, 5), clock.millis());
        fromBob(new Offline(100, Offline.Reason.LOST), clock.millis());
        fromBob(new Heartbeat(100, 5), clock.millis());
        assertEquals(0, machine.onlineCount(), "a copy of the last heartbeat does not undo the will");
        fromBob(new Heartbeat(100, 6), clock.millis());
        assertEquals(List.of(PeerTransition.Kind.ONLINE, PeerTransition.Kind.OFFLINE, PeerTransition.Kind.ONLINE), kinds());
    }

    @Test
    void theFirstHeartbeatOfARunWhoseWillCameFirstMakesItOnline() {
        fromBob(new Offline(100, Offline.Reason.LOST), clock.millis());
        fromBob(new Heartbeat(100, 0), clock.millis());
        assertEquals(List.of(PeerTransition.Kind.ONLINE), kinds());
    }

    @Test
    void staleRetainedHeartbeatDoesNotMakeAPeerOnline() {
        fromBob(new Heartbeat(100, 9), clock.millis() - 60_000);
        assertTrue(transitions.isEmpty());
        assertEquals(0, machine.onlineCount());
        fromBob(new Heartbeat(100, 10), clock.millis() - 500);
        assertEquals(List.of(PeerTransition.Kind.ONLINE), kinds(), "a fresh retained heartbeat counts");
    }

    @Test
    void heartbeatQueuedByTheBrokerWhileAwayDoesNotMakeAPeerOnline() {
        // A persistent session delivers what was published while this node was down, not flagged retained.
        fromBob(new Heartbeat(100, 3), clock.millis() - 30_000);
        fromBob(new Offline(100, Offline.Reason.SHUTDOWN), clock.millis() - 29_000);
        assertTrue(transitions.isEmpty(), transitions.toString());
        assertEquals(0, machine.onlineCount());
    }

    @Test
    void heartbeatOfAnOlderRunOrReplayChangesNothing() {
        fromBob(new Heartbeat(300, 4), clock.millis());
        fromBob(new Heartbeat(100, 99), clock.millis());
        fromBob(new Heartbeat(300, 4), clock.millis());
        assertEquals(List.of(PeerTransition.Kind.ONLINE), kinds());
        assertEquals(4, machine.peers().get(BOB.nodeId()).lastSeq());
    }

    @Test
    void ownHeartbeatsAreNotPeers() {
        Envelope mine = published.get(0);
        machine.onMessage(new InboundMessage(TOPICS.presence(ME.nodeId()), mine, ROSTER.byId(ME.nodeId()).orElseThrow()));
        assertTrue(machine.peers().isEmpty());
    }

    @Test
    void postDatedPresenceIsRefusedAndCounted() {
        fromBob(new Heartbeat(100, 0), clock.millis() + 60_000);
        fromBob(new Offline(100, Offline.Reason.LOST), clock.millis() + 60_000);
        assertTrue(transitions.isEmpty());
        assertEquals(2, rejects.count("future_ts"));
    }

    @Test
    void aRunSaidToStartAfterItsOwnHeartbeatIsRefused() {
        fromBob(new Heartbeat(clock.millis() + 10_000, 0), clock.millis());
        assertTrue(transitions.isEmpty());
        assertEquals(1, rejects.count("bad_start"));
    }

    @Test
    void aFlappingPeerCannotMakeUsWriteObservationsBeyondItsBudget() {
        long t = clock.millis();
        fromBob(new Heartbeat(t - 1000, 0), t);
        for (int i = 0; i < 100; i++) {
            fromBob(new Heartbeat(t - 999 + i, 0), t); // a new run every message: a restart each
        }
        assertEquals(PresenceMachine.TRANSITION_BURST, transitions.size(), kinds().toString());
        assertEquals(100 - (PresenceMachine.TRANSITION_BURST - 1), rejects.count("presence_rate"));
        long before = machine.peers().get(BOB.nodeId()).startedAt();
        scheduler.advance(Duration.ofMillis(1500)); // one heartbeat interval refills one transition
        fromBob(new Heartbeat(t + 200, 0), clock.millis());
        assertEquals(PresenceMachine.TRANSITION_BURST + 1, transitions.size());
        assertTrue(machine.peers().get(BOB.nodeId()).startedAt() > before);
    }

    @Test
    void willAndShutdownNoticeNameThisRun() {
        assertEquals(new Offline(machine.startedAt(), Offline.Reason.LOST), machine.lastWill().body());
        assertEquals(new Offline(machine.startedAt(), Offline.Reason.SHUTDOWN), machine.shutdownNotice().body());
    }
}
