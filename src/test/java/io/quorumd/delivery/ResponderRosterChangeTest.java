package io.quorumd.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quorumd.config.QuorumdConfig.ResponderSection;
import io.quorumd.crypto.NodeKey;
import io.quorumd.loop.InboundMessage;
import io.quorumd.sim.VirtualClock;
import io.quorumd.sim.VirtualScheduler;
import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.CheckpointTuple;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Member;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.ResponderAck;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import io.quorumd.wire.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The roster changes under a running responder: minCopies' default ⌈2n/3⌉ and the holders follow it. */
class ResponderRosterChangeTest {
    private static final Topics TOPICS = new Topics("q/t");
    private static final ResponderSection SETTINGS = new ResponderSection(true, Duration.ofSeconds(30), 2, 0,
            Duration.ofDays(7), Duration.ofMinutes(30), 100, Duration.ofSeconds(2));
    private static final List<NodeKey> KEYS = List.of(key(1), key(2), key(3), key(4), key(5), key(6));
    private static final NodeKey ME = KEYS.get(0);

    private VirtualClock clock;
    private VirtualScheduler scheduler;
    private Responder responder;
    private Roster roster;
    private final List<String> ended = new ArrayList<>();

    private static NodeKey key(int b) {
        byte[] s = new byte[32];
        s[0] = (byte) b;
        return NodeKey.fromSeed(s);
    }

    private static Member member(int i) {
        return new Member("node-" + i, KEYS.get(i).publicKey(), Set.of(Role.VOTER));
    }

    /** Node 0 (this node) and the members {@code others}. */
    private static Roster roster(int... others) {
        List<Member> members = new ArrayList<>(List.of(member(0)));
        for (int i : others) {
            members.add(member(i));
        }
        return new Roster(members);
    }

    @BeforeEach
    void setUp() {
        clock = new VirtualClock(1_800_000_000_000L);
        scheduler = new VirtualScheduler(clock);
        DeliveryJournal journal = DeliveryFixtures.journal(t -> { }, (id, reason, copies) -> ended.add(reason + " with " + copies));
        responder = new Responder(ME.nodeId(), SETTINGS, () -> roster, clock, scheduler, new EnvelopeSigner(ME, clock),
                TOPICS, (topic, env, retained) -> { }, journal, new Random(1));
        scheduler.deliverTo(t -> responder.onTimer(t.key()));
        responder.start();
    }

    /** Tracks a final checkpoint of this node; its decision id. */
    private String track() {
        CheckpointTuple t = new CheckpointTuple(ME.nodeId().hex(), clock.millis(), 0, 60, 1_800_000_000L, "", 1);
        Envelope decision = new EnvelopeSigner(ME, clock).sign(MessageType.CHECKPOINT_FINAL,
                new CheckpointFinal(t, List.of(), Optional.empty()));
        responder.track(decision, TOPICS.checkpointFinal(ME.nodeId().hex()), true);
        return DecisionIds.of(decision).orElseThrow();
    }

    private void ack(int from, String id) {
        NodeKey k = KEYS.get(from);
        Envelope env = new EnvelopeSigner(k, clock).sign(MessageType.RESPONDER_ACK,
                new ResponderAck(ME.nodeId(), 0, List.of(id)));
        responder.onAck(new InboundMessage(TOPICS.responderAck(ME.nodeId()), env, member(from)));
    }

    private TrackerState state(String id) {
        return responder.find(id).orElseThrow().state();
    }

    @Test
    void theDefaultCopyCountFollowsTheRosterSize() {
        roster = roster(1, 2);
        assertEquals(2, responder.minCopies(), "⌈2·3/3⌉");
        roster = roster(1, 2, 3, 4, 5);
        assertEquals(4, responder.minCopies(), "⌈2·6/3⌉");

        String id = track();
        ack(1, id);
        assertEquals(TrackerState.PENDING, state(id), "two holders confirmed it among three, not among six");
        ack(2, id);
        assertEquals(TrackerState.PENDING, state(id));
        ack(3, id); // a member the first roster did not have
        assertEquals(TrackerState.CONFIRMED, state(id), "four holders of six");
    }

    @Test
    void aRosterThatShrankConfirmsAndCompletesTrackersAtTheNextTick() {
        roster = roster(1, 2, 3, 4, 5);
        String id = track();
        ack(1, id);
        ack(2, id);
        assertEquals(TrackerState.PENDING, state(id), "three holders of six");

        roster = roster(1, 2, 3); // minCopies 3 of four
        scheduler.advance(SETTINGS.tick());
        assertEquals(TrackerState.CONFIRMED, state(id), "three holders of four, without another ack");

        roster = roster(1, 2); // every member now holds it
        assertEquals(List.of(), ended);
        scheduler.advance(SETTINGS.tick());
        assertEquals(TrackerState.DONE, state(id));
        assertEquals(List.of("held by every member with 3"), ended);
    }

    @Test
    void aRemovedMembersCopyNoLongerCounts() {
        roster = roster(1, 2, 3, 4, 5);
        String id = track();
        ack(4, id);
        ack(5, id);
        assertEquals(TrackerState.PENDING, state(id), "three holders of six");

        roster = roster(1, 2, 3); // minCopies 3 of four; node-4 and node-5 are gone
        scheduler.advance(SETTINGS.tick());
        assertEquals(TrackerState.PENDING, state(id), "this node alone holds it among the members");
        ack(1, id);
        assertEquals(TrackerState.PENDING, state(id));
        ack(2, id);
        assertEquals(TrackerState.CONFIRMED, state(id));
    }
}
