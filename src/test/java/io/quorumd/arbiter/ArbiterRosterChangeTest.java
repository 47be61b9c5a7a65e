package io.quorumd.arbiter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.NodeKey;
import io.quorumd.loop.InboundMessage;
import io.quorumd.wire.MemorySlotSigner;
import io.quorumd.sim.RecordingJournal;
import io.quorumd.sim.VirtualClock;
import io.quorumd.sim.VirtualScheduler;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.DisputeRuling;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Member;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import io.quorumd.wire.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The roster changes under a running arbiter machine that follows it through a {@link PolicySource}. */
class ArbiterRosterChangeTest {
    private static final NodeKey ME = key(1);
    private static final NodeKey X = key(2);
    private static final NodeKey Y = key(3);
    private static final NodeKey BUYER = key(4);
    private static final NodeKey CAROL = key(5);
    private static final Member ME_M = new Member("me", ME.publicKey(), Set.of(Role.ARBITER));
    private static final Member X_M = new Member("x", X.publicKey(), Set.of(Role.ARBITER));
    private static final Member Y_M = new Member("y", Y.publicKey(), Set.of(Role.ARBITER));
    private static final Member BUYER_M = new Member("buyer", BUYER.publicKey(), Set.of(Role.VOTER));
    private static final Member CAROL_M = new Member("carol", CAROL.publicKey(), Set.of(Role.VOTER));
    private static final Roster BEFORE = new Roster(List.of(ME_M, X_M, Y_M, BUYER_M));
    private static final Roster AFTER = new Roster(List.of(ME_M, X_M, Y_M, BUYER_M, CAROL_M));
    private static final Topics TOPICS = new Topics("q/t");

    private VirtualClock clock;
    private ArbiterMachine machine;
    private Roster roster = BEFORE;
    private final RecordingJournal rejects = new RecordingJournal();

    private static NodeKey key(int b) {
        byte[] s = new byte[32];
        s[0] = (byte) b;
        return NodeKey.fromSeed(s);
    }

    /** The policy of one roster: M = 2, voting 60 s, fallback 30 s, skew 1 s. */
    private static ArbiterPolicy policy(Roster r) {
        return ArbiterPolicy.of(r, 2, 60_000, 30_000, 1_000, 16);
    }

    @BeforeEach
    void setUp() {
        clock = new VirtualClock(1_800_000_000_000L);
        VirtualScheduler scheduler = new VirtualScheduler(clock);
        EnvelopeSigner signer = new EnvelopeSigner(ME, clock);
        ArbiterJournal journal = new ArbiterJournal() {
            @Override
            public void rulingStored(DisputeRuling ruling, Envelope envelope) {
            }

            @Override
            public void decisionSeen(Envelope envelope) {
            }

            @Override
            public void accepted(InboundMessage message) {
            }

            @Override
            public void evidence(String what, List<Envelope> envelopes) {
            }

            @Override
            public void rejected(String reason, String detail) {
                rejects.rejected(reason, detail);
            }
        };
        machine = new ArbiterMachine(ME.nodeId(), new PolicySource(() -> roster, ArbiterRosterChangeTest::policy),
                Duration.ofMinutes(1), clock, scheduler, new MemorySlotSigner(signer, (topic, env, retained) -> { }),
                signer, TOPICS, (topic, env, retained) -> { }, journal, t -> Optional.empty(), () -> { }, new Random(1));
        scheduler.deliverTo(t -> machine.onTimer(t.key()));
        machine.start();
    }

    /** The buyer opens a dispute against carol; the open as the inbound gate hands it on. */
    private InboundMessage buyerOpensAgainstCarol() {
        DisputeOpen open = new DisputeOpen("pay-1", BUYER.nodeId(), CAROL.nodeId(), 5, "r", List.of(), clock.millis());
        Envelope env = new EnvelopeSigner(BUYER, clock).sign(MessageType.DISPUTE_OPEN, open);
        return new InboundMessage(TOPICS.arbiterPropose(), env, BUYER_M);
    }

    @Test
    void anOpenBetweenPartiesOfTheNewRosterIsAccepted() {
        InboundMessage open = buyerOpensAgainstCarol();
        String id = ((DisputeOpen) open.envelope().body()).disputeId();
        machine.onMessage(open);
        assertEquals(1, rejects.count("unknown_party"), "carol is not a member yet");
        assertTrue(machine.dispute(id).isEmpty());

        roster = AFTER;
        machine.onMessage(buyerOpensAgainstCarol());
        assertEquals(1, rejects.count("unknown_party"));
        assertEquals(DisputeStatus.OPEN, machine.dispute(id).orElseThrow().status());
        assertSame(AFTER, machine.policy().roster(), "today's policy is the new roster's");
    }

    @Test
    void theDeskOpensAgainstAMemberAddedLater() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> machine.desk().open("pay-2", "me", "carol", 5, "r", List.of()));
        assertTrue(refused.getMessage().contains("not a roster member"), refused.getMessage());

        roster = AFTER;
        String id = machine.desk().open("pay-2", "me", "carol", 5, "r", List.of());
        assertEquals(CAROL.nodeId(), machine.dispute(id).orElseThrow().body().seller());
    }

    @Test
    void aRosterThatCannotCarryArbitrationLeavesThePolicyInForce() {
        ArbiterPolicy before = machine.policy();
        roster = new Roster(List.of(ME_M, BUYER_M, CAROL_M)); // one primary arbiter, M = 2
        assertSame(before, machine.policy());
        roster = AFTER;
        assertSame(AFTER, machine.policy().roster(), "a roster that can carry it is taken again");
    }
}
