package io.quorumd.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.config.QuorumdConfig.CheckpointSection;
import io.quorumd.config.QuorumdConfig.Tolerance;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import io.quorumd.loop.InboundMessage;
import io.quorumd.wire.MemorySlotSigner;
import io.quorumd.sim.RecordingJournal;
import io.quorumd.sim.VirtualClock;
import io.quorumd.sim.VirtualScheduler;
import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.CheckpointProposal;
import io.quorumd.wire.CheckpointTuple;
import io.quorumd.wire.CheckpointVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Member;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import io.quorumd.wire.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The roster changes while this node's proposal collects votes (minVoters 2): votes count by the roster of
 * the moment, not the one the machine was built with.
 */
class CheckpointRosterChangeTest {
    private static final NodeKey ME = key(1);
    private static final NodeKey A = key(2);
    private static final NodeKey B = key(3);
    private static final NodeKey C = key(4);
    private static final NodeKey D = key(5);
    private static final Topics TOPICS = new Topics("q/t");
    private static final CheckpointSection SETTINGS = new CheckpointSection(Duration.ofHours(1), Duration.ofHours(10),
            Duration.ofSeconds(30), 2, 10, new Tolerance(0, Duration.ofMinutes(1), Duration.ofMinutes(1)), Duration.ZERO,
            Duration.ofSeconds(1));

    /** The checkpoint records, and what was refused, by reason. */
    private static final class Journal implements CheckpointJournal {
        final RecordingJournal recorded = new RecordingJournal();
        final List<CheckpointFinal> finals = new ArrayList<>();

        @Override
        public void accepted(InboundMessage message) {
            recorded.accepted(message);
        }

        @Override
        public void evidence(String what, List<Envelope> envelopes) {
            recorded.evidence(what, envelopes);
        }

        @Override
        public void rejected(String reason, String detail) {
            recorded.rejected(reason, detail);
        }

        @Override
        public void finalStored(CheckpointFinal checkpoint, Envelope envelope) {
            finals.add(checkpoint);
        }

        @Override
        public void decisionSeen(Envelope envelope) {
        }
    }

    private VirtualClock clock;
    private CheckpointMachine machine;
    private final Journal journal = new Journal();
    private final List<Envelope> published = new ArrayList<>();
    private Roster roster;

    private static NodeKey key(int b) {
        byte[] s = new byte[32];
        s[0] = (byte) b;
        return NodeKey.fromSeed(s);
    }

    private static Member voter(String name, NodeKey k) {
        return new Member(name, k.publicKey(), Set.of(Role.VOTER));
    }

    private static Roster roster(Member... members) {
        return new Roster(List.of(members));
    }

    @BeforeEach
    void setUp() {
        clock = new VirtualClock(1_800_000_000_000L);
        VirtualScheduler scheduler = new VirtualScheduler(clock);
        EnvelopeSigner signer = new EnvelopeSigner(ME, clock);
        RunHistory history = new RunHistory();
        machine = new CheckpointMachine(ME.nodeId(), () -> roster, SETTINGS, 1_000, clock, scheduler,
                new MemorySlotSigner(signer, (topic, env, retained) -> published.add(env)), signer, TOPICS,
                (topic, env, retained) -> published.add(env), journal, history, new CheckpointStore(history), () -> 4,
                t -> Optional.empty(), new Random(1));
        scheduler.deliverTo(t -> machine.onTimer(t.key()));
        machine.start();
        scheduler.advance(SETTINGS.bootGrace());
    }

    /** Proposes now; the proposal envelope. */
    private Envelope propose() {
        assertTrue(machine.proposeNow().startsWith("proposed"));
        return published.stream().filter(e -> e.type() == MessageType.CHECKPOINT_PROPOSAL).reduce((x, y) -> y)
                .orElseThrow();
    }

    /** {@code from} approves {@code proposal}, handed on as the inbound gate would (with the member it found). */
    private void vote(NodeKey from, Member sender, Envelope proposal) {
        CheckpointTuple t = ((CheckpointProposal) proposal.body()).tuple();
        Envelope env = new EnvelopeSigner(from, clock).sign(MessageType.CHECKPOINT_VOTE,
                new CheckpointVote(CheckpointVoter.proposalId(proposal), true, t));
        machine.onMessage(new InboundMessage(TOPICS.checkpointVote(ME.nodeId().hex()), env, sender));
    }

    private static Set<NodeId> signers(CheckpointFinal f) {
        return f.votes().stream().map(Envelope::from).collect(Collectors.toSet());
    }

    @Test
    void aVoteFromAMemberAddedToTheRosterCounts() {
        Member me = voter("me", ME);
        Member a = voter("a", A);
        Member d = voter("d", D);
        roster = roster(me, a, voter("b", B));
        Envelope proposal = propose();
        vote(D, d, proposal);
        assertEquals(1, journal.recorded.count("not_a_voter"), "d is not in the roster yet");

        roster = roster(me, a, voter("b", B), d);
        vote(D, d, proposal);
        assertTrue(journal.finals.isEmpty(), "one vote of two");
        vote(A, a, proposal);
        assertEquals(1, journal.finals.size(), "d's vote and a's reach minVoters 2");
        CheckpointFinal f = journal.finals.get(0);
        assertEquals(Set.of(A.nodeId(), D.nodeId()), signers(f));
        assertEquals(Optional.empty(), CheckpointValidator.validate(f, roster, 2, clock.millis(), 1_000),
                "a final its peers accept under the new roster");
    }

    @Test
    void aVoteFromAMemberRemovedIsRefusedAndItsEarlierVoteNoLongerCounts() {
        Member me = voter("me", ME);
        Member a = voter("a", A);
        Member b = voter("b", B);
        Member c = voter("c", C);
        roster = roster(me, a, b, c);
        Envelope proposal = propose();
        vote(A, a, proposal);

        roster = roster(me, c, voter("d", D)); // a and b removed
        vote(B, b, proposal); // admitted under the old roster, handled under the new
        assertEquals(1, journal.recorded.count("not_a_voter"), "b is no voter any more");
        assertTrue(journal.finals.isEmpty(), "a's vote and b's would have made two");
        vote(C, c, proposal);
        assertTrue(journal.finals.isEmpty(), "a's vote, counted before a was removed, no longer counts");
        vote(D, voter("d", D), proposal);
        assertEquals(1, journal.finals.size());
        CheckpointFinal f = journal.finals.get(0);
        assertEquals(Set.of(C.nodeId(), D.nodeId()), signers(f), "only votes of the roster of the moment are carried");
        assertEquals(Optional.empty(), CheckpointValidator.validate(f, roster, 2, clock.millis(), 1_000));
    }

    @Test
    void aFinalWhoseSignaturesAllVerifyButOneSignerIsNoVoterIsInvalid() {
        Member a = voter("a", A);
        Member d = voter("d", D);
        roster = roster(voter("me", ME), a, d);
        Envelope proposal = propose();
        vote(A, a, proposal);
        vote(D, d, proposal);
        assertEquals(1, journal.finals.size());
        CheckpointFinal f = journal.finals.get(0);
        assertEquals(Optional.empty(), CheckpointValidator.validate(f, roster, 2, clock.millis(), 1_000));
        Roster aNoVoter = roster(voter("me", ME), new Member("a", A.publicKey(), Set.of(Role.ARBITER)), d);
        assertEquals(Optional.of("vote from a, who is not a voter"),
                CheckpointValidator.validate(f, aNoVoter, 2, clock.millis(), 1_000));
    }
}
