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
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Heartbeat;
import io.quorumd.wire.Member;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import io.quorumd.wire.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The roster changes under a running presence machine: peers are the members of the roster of the moment. */
class PresenceRosterChangeTest {
    private static final NodeKey ME = key(1);
    private static final NodeKey BOB = key(2);
    private static final NodeKey CAROL = key(3);
    private static final Member ME_M = new Member("me", ME.publicKey(), Set.of(Role.VOTER));
    private static final Member BOB_M = new Member("bob", BOB.publicKey(), Set.of(Role.VOTER));
    private static final Member CAROL_M = new Member("carol", CAROL.publicKey(), Set.of(Role.VOTER));
    private static final PresenceSection SETTINGS = new PresenceSection(Duration.ofSeconds(1), Duration.ofSeconds(4));
    private static final Topics TOPICS = new Topics("q/t");

    private VirtualClock clock;
    private VirtualScheduler scheduler;
    private PresenceMachine machine;
    private Roster roster = new Roster(List.of(ME_M, BOB_M));
    private final List<PeerTransition> transitions = new ArrayList<>();
    private final RecordingJournal rejects = new RecordingJournal();

    private static NodeKey key(int b) {
        byte[] s = new byte[32];
        s[0] = (byte) b;
        return NodeKey.fromSeed(s);
    }

    @BeforeEach
    void setUp() {
        clock = new VirtualClock(1_800_000_000_000L);
        scheduler = new VirtualScheduler(clock);
        machine = new PresenceMachine(ME.nodeId(), () -> roster, SETTINGS, 1_000, clock, scheduler,
                new EnvelopeSigner(ME, clock), TOPICS, (topic, env, retained) -> { }, rejects, transitions::add);
        scheduler.deliverTo(t -> machine.onTimer(t.key()));
        machine.begin();
        machine.start();
    }

    /** A live heartbeat of {@code from}'s run started at 100, as the inbound gate would hand it on. */
    private void heartbeat(NodeKey from, Member sender, long seq) {
        Envelope env = new EnvelopeSigner(from, clock).sign(MessageType.PRESENCE_HEARTBEAT, new Heartbeat(100, seq));
        machine.onMessage(new InboundMessage(TOPICS.presence(from.nodeId()), env, sender));
    }

    private List<String> seen() {
        return transitions.stream().map(t -> t.kind() + " " + t.name() + " " + t.cause()).toList();
    }

    @Test
    void aMemberAddedLaterIsAPeerFromItsFirstHeartbeat() {
        heartbeat(CAROL, CAROL_M, 0); // admitted under an older (or newer) roster than the machine reads
        assertEquals(1, rejects.count("not_a_member"), "carol is not a member yet");
        assertEquals(0, machine.onlineCount());
        assertTrue(machine.peers().isEmpty());

        roster = new Roster(List.of(ME_M, BOB_M, CAROL_M));
        heartbeat(CAROL, CAROL_M, 1);
        assertEquals(List.of("ONLINE carol first_seen"), seen());
        assertEquals(1, machine.onlineCount());
        assertTrue(machine.peers().get(CAROL.nodeId()).online());

        scheduler.advance(Duration.ofSeconds(5));
        assertEquals(List.of("ONLINE carol first_seen", "OFFLINE carol silent"), seen(),
                "and goes offline after offlineAfter of silence, as any peer");
        assertEquals(0, machine.onlineCount());
    }

    @Test
    void aMemberRemovedStopsCountingAsOnlineAtOnce() {
        roster = new Roster(List.of(ME_M, BOB_M, CAROL_M));
        heartbeat(BOB, BOB_M, 0);
        heartbeat(CAROL, CAROL_M, 0);
        assertEquals(2, machine.onlineCount());

        roster = new Roster(List.of(ME_M, CAROL_M));
        assertEquals(1, machine.onlineCount(), "bob is no peer the moment the roster drops him");
        assertFalse(machine.peers().containsKey(BOB.nodeId()));
        assertEquals(Set.of(CAROL.nodeId()), machine.peers().keySet());

        scheduler.advance(Duration.ofSeconds(1)); // the next event (a timer): bob's state is dropped, his going recorded
        assertEquals(List.of("ONLINE bob first_seen", "ONLINE carol first_seen", "OFFLINE bob removed"), seen());

        heartbeat(BOB, BOB_M, 1); // queued before the swap: refused, no transition
        assertEquals(1, rejects.count("not_a_member"));
        assertEquals(3, transitions.size());
        assertEquals(1, machine.onlineCount());
    }
}
