package io.quorumd.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

/**
 * A node's own heartbeats, echoed back by the broker, tell it whether it can hear at all; while it cannot, a
 * peer's silence is no evidence against the peer (heartbeat 1 s, offlineAfter 4 s).
 */
class PresenceCutOffTest {
    private static final NodeKey ME = PresenceKeys.key(1);
    private static final NodeKey BOB = PresenceKeys.key(2);
    private static final Roster ROSTER = new Roster(List.of(
            new Member("me", ME.publicKey(), Set.of(Role.VOTER)), new Member("bob", BOB.publicKey(), Set.of(Role.VOTER))));
    private static final Topics TOPICS = new Topics("q/t");

    private VirtualClock clock;
    private VirtualScheduler scheduler;
    private PresenceMachine machine;
    private boolean brokerUp = true;
    private final List<PeerTransition> transitions = new ArrayList<>();

    @BeforeEach
    void setUp() {
        clock = new VirtualClock(1_800_000_000_000L);
        scheduler = new VirtualScheduler(clock);
        machine = new PresenceMachine(ME.nodeId(), ROSTER, new PresenceSection(Duration.ofSeconds(1), Duration.ofSeconds(4)),
                1_000, clock, scheduler, new EnvelopeSigner(ME, clock), TOPICS, (topic, env, retained) -> {
                    if (brokerUp) { // the broker hands a client its own publications too
                        machine.onMessage(new InboundMessage(topic, env, ROSTER.byId(ME.nodeId()).orElseThrow()));
                    }
                }, new RecordingJournal(), transitions::add);
        scheduler.deliverTo(t -> machine.onTimer(t.key()));
        machine.begin();
        machine.start();
    }

    private void fromBob(Body body) {
        if (!brokerUp) {
            return;
        }
        MessageType type = body instanceof Heartbeat ? MessageType.PRESENCE_HEARTBEAT : MessageType.PRESENCE_OFFLINE;
        Envelope env = new EnvelopeSigner(BOB, clock).sign(type, body);
        machine.onMessage(new InboundMessage(TOPICS.presence(BOB.nodeId()), env, ROSTER.byId(BOB.nodeId()).orElseThrow()));
    }

    /** Bob sends a heartbeat of run 100 every second for {@code seconds}, while time passes. */
    private long bobBeats(long seq, int seconds) {
        for (int i = 0; i < seconds; i++) {
            fromBob(new Heartbeat(100, seq++));
            scheduler.advance(Duration.ofSeconds(1));
        }
        return seq;
    }

    /** Bob beats for 3 s, then this node is cut off for {@code seconds} and back for 1 s; bob's last heartbeat's time. */
    private long awayAfterBob(int seconds) {
        bobBeats(0, 3);
        long lastHeard = clock.millis() - 1000;
        brokerUp = false;
        scheduler.advance(Duration.ofSeconds(seconds));
        brokerUp = true;
        scheduler.advance(Duration.ofSeconds(1));
        return lastHeard;
    }

    private List<PeerTransition.Kind> kinds() {
        return transitions.stream().map(PeerTransition::kind).toList();
    }

    @Test
    void aPeerSilentOnlyWhileThisNodeWasCutOffStaysOnline() {
        long seq = bobBeats(0, 3);
        brokerUp = false;
        scheduler.advance(Duration.ofSeconds(60));
        assertTrue(machine.cutOff());
        assertEquals(0, machine.onlineCount(), "a node cut off can reach no peer");
        assertEquals(List.of(PeerTransition.Kind.ONLINE), kinds(), "no silence declared while cut off");
        brokerUp = true;
        scheduler.advance(Duration.ofSeconds(2)); // this node hears itself before it hears bob again
        assertFalse(machine.cutOff());
        bobBeats(seq, 3);
        assertEquals(List.of(PeerTransition.Kind.ONLINE), kinds(), "bob's run is unchanged: it was up throughout");
        assertEquals(1, machine.onlineCount());
    }

    @Test
    void aPeerStillSilentForOfflineAfterOnceThisNodeHearsAgainIsOfflineFromWhenItCouldHearAgain() {
        long lastHeard = awayAfterBob(60);
        long back = clock.millis() - 1000; // this node heard itself again within the second after the broker came back
        scheduler.advance(Duration.ofSeconds(3));
        assertEquals(List.of(PeerTransition.Kind.ONLINE), kinds(), "offlineAfter of hearing itself has not passed");
        scheduler.advance(Duration.ofSeconds(2));
        assertEquals(List.of(PeerTransition.Kind.ONLINE, PeerTransition.Kind.OFFLINE), kinds());
        assertEquals("silent", transitions.get(1).cause());
        long at = transitions.get(1).at();
        assertTrue(at > lastHeard + 60_000 && at >= back && at <= back + 1000, "silent from when this node could hear"
                + " again, not across its own gap: " + (at - lastHeard));
    }

    @Test
    void aNewRunFoundAfterThisNodesGapEndsTheOldOneAtItsLastHeartbeat() {
        long lastHeard = awayAfterBob(30);
        fromBob(new Heartbeat(clock.millis() - 5_000, 0));
        assertEquals(List.of(PeerTransition.Kind.ONLINE, PeerTransition.Kind.OFFLINE, PeerTransition.Kind.RESTARTED,
                PeerTransition.Kind.ONLINE), kinds());
        assertEquals(lastHeard, transitions.get(1).at());
    }

    @Test
    void anOfflineNoticeHeardAfterThisNodesGapIsDatedAtTheLastHeartbeat() {
        long lastHeard = awayAfterBob(30);
        fromBob(new Offline(100, Offline.Reason.LOST)); // queued for this node's session while it was away
        assertEquals(List.of(PeerTransition.Kind.ONLINE, PeerTransition.Kind.OFFLINE), kinds());
        assertEquals(lastHeard, transitions.get(1).at());
    }

    @Test
    void aPeerHeardAgainAfterThisNodesGapIsReportedOnceAsResumedWithoutATransition() {
        List<io.quorumd.crypto.NodeId> resumed = new ArrayList<>();
        machine.onResumed(resumed::add);
        long seq = bobBeats(0, 3);
        assertEquals(List.of(), resumed, "no gap, nothing resumed");
        brokerUp = false;
        scheduler.advance(Duration.ofSeconds(20));
        brokerUp = true;
        scheduler.advance(Duration.ofSeconds(1));
        bobBeats(seq, 3);
        assertEquals(List.of(BOB.nodeId()), resumed, "once: what was sent to bob meanwhile may be lost");
        assertEquals(List.of(PeerTransition.Kind.ONLINE), kinds());
    }

    @Test
    void aPeerWhoseWillCameJustBeforeThisNodesGapAndThatIsBackInTheSameRunIsBackFromTheGap() {
        long seq = bobBeats(0, 3);
        fromBob(new Offline(100, Offline.Reason.LOST)); // the broker going down hands out bob's will first
        long left = clock.millis();
        brokerUp = false;
        scheduler.advance(Duration.ofSeconds(60));
        brokerUp = true;
        scheduler.advance(Duration.ofSeconds(1));
        bobBeats(seq, 1);
        assertEquals(List.of(PeerTransition.Kind.ONLINE, PeerTransition.Kind.OFFLINE, PeerTransition.Kind.ONLINE), kinds());
        long back = transitions.get(2).at();
        assertTrue(back >= left && back - left < 1000, "back from when this node stopped hearing, not 60 s on: "
                + (back - left));
    }

    @Test
    void aPeerAwayWhileThisNodeHeardIsChargedForThatTimeButNotForThisNodesGap() {
        long seq = bobBeats(0, 3);
        fromBob(new Offline(100, Offline.Reason.LOST));
        scheduler.advance(Duration.ofSeconds(10)); // this node hears itself: bob is really away
        long stoppedHearing = clock.millis(); // its own heartbeat of this very moment came back
        brokerUp = false;
        scheduler.advance(Duration.ofSeconds(60));
        brokerUp = true;
        scheduler.advance(Duration.ofSeconds(1));
        bobBeats(seq, 1);
        assertEquals(stoppedHearing, transitions.get(2).at(), "back from this node's gap: it could not see bob then");
    }

    @Test
    void aPeerStillAwayForOfflineAfterOfHearingAfterThisNodesGapIsBackOnlyWhenHeard() {
        long seq = bobBeats(0, 3);
        fromBob(new Offline(100, Offline.Reason.LOST));
        brokerUp = false;
        scheduler.advance(Duration.ofSeconds(60));
        brokerUp = true;
        scheduler.advance(Duration.ofSeconds(10)); // this node hears again, bob stays away
        bobBeats(seq, 1);
        assertEquals(clock.millis() - 1000, transitions.get(2).at(), "back when heard");
    }

    @Test
    void withoutAGapSilenceAndNoticesAreDatedAsBefore() {
        long seq = bobBeats(0, 3);
        fromBob(new Offline(100, Offline.Reason.SHUTDOWN));
        assertEquals(clock.millis(), transitions.get(1).at(), "a notice heard live is dated when it arrives");
        fromBob(new Heartbeat(100, seq));
        scheduler.advance(Duration.ofSeconds(6));
        assertEquals(PeerTransition.Kind.OFFLINE, transitions.get(transitions.size() - 1).kind());
        assertEquals("silent", transitions.get(transitions.size() - 1).cause());
    }
}
