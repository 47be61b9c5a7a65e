package io.quorumd.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.NodeKey;
import io.quorumd.sim.SimBus;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.CheckpointProposal;
import io.quorumd.wire.CheckpointTuple;
import io.quorumd.wire.CheckpointVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.RejectReason;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scenarios on 7 simulated nodes with --fast timings (interval 30s, window 3s, minVoters 5). */
class CheckpointScenarioTest {
    @TempDir
    Path dir;

    private SimFederation fed(long seed, long maxDelayMs) throws Exception {
        SimWorld world = new SimWorld(seed, 1_800_000_000_000L);
        SimFederation f = new SimFederation(world, new SimBus(world, 0, 0, maxDelayMs), dir, SimFederation.Options.fast(7));
        f.startAll();
        return f;
    }

    private static List<CheckpointFinal> finalsOf(SimNode subject) {
        return subject.published().stream().filter(e -> e.type() == MessageType.CHECKPOINT_FINAL)
                .map(e -> (CheckpointFinal) e.body()).toList();
    }

    private static List<Envelope> published(SimNode n, MessageType type) {
        return n.published().stream().filter(e -> e.type() == type).toList();
    }

    @Test
    void partitionedProposerDisagreesGoesToRoundTwoAndGetsTheTrimmedMean() throws Exception {
        SimFederation f = fed(7, 700); // a seed whose delivery delays split the round-1 votes (most do)
        SimNode x = f.node(1);
        SimWorld w = f.world();
        // x is cut off for 90 s: its peers see it go silent and come back at slightly different moments;
        // x saw itself up throughout, so its claim exceeds theirs by more than the 60 s tolerance.
        w.run(Duration.ofSeconds(3));
        f.bus().partition((r, e) -> r == x || e.from().equals(x.id()));
        w.run(Duration.ofSeconds(90));
        f.bus().partition((r, e) -> false);
        assertTrue(w.runUntil(Duration.ofMinutes(2), () -> !finalsOf(x).isEmpty()), CheckpointSimulationTest.describe(f));
        CheckpointFinal fin = finalsOf(x).get(0);
        assertEquals(2, fin.tuple().round(), "round 1 split the disagreeing voters; round 2 settles");
        CheckpointTuple own = ((CheckpointProposal) published(x, MessageType.CHECKPOINT_PROPOSAL).get(0).body()).tuple();
        assertTrue(own.totalUptime() - fin.tuple().totalUptime() > 60, "peers saw less uptime than x claimed: " + own
                + " vs " + fin.tuple());
        // The round-2 values are the trimmed mean of the round-1 votes x received.
        List<CheckpointTuple> round1 = f.nodes().stream().filter(n -> n != x)
                .flatMap(n -> published(n, MessageType.CHECKPOINT_VOTE).stream())
                .map(e -> ((CheckpointVote) e.body()).tuple()).filter(t -> t.round() == 1
                        && t.subjectId().equals(x.id().hex())).toList();
        assertEquals(TrimmedMean.of(round1.stream().map(CheckpointTuple::totalUptime).toList()), fin.tuple().totalUptime());
        assertTrue(fin.proposal().isPresent(), "round 2's proposal carries the final values");
    }

    @Test
    void fewerThanMinVotersOnlineMeansNoProposal() throws Exception {
        SimFederation f = fed(6, 50);
        f.node(5).crash();
        f.node(6).crash();
        f.node(7).crash();
        f.world().run(Duration.ofSeconds(90));
        SimNode lonely = f.node(1);
        assertEquals(3, lonely.core().presence().onlineCount());
        assertTrue(published(lonely, MessageType.CHECKPOINT_PROPOSAL).isEmpty(), "no proposal with 3 of 5 voters");
        assertTrue(lonely.control(c -> c.checkpoint().proposeNow()).contains("fewer than minVoters 5"));
    }

    @Test
    void forgedStaleDuplicateAndMismatchedVotesAreRejectedWithReasons() throws Exception {
        SimFederation f = fed(8, 20);
        SimNode x = f.node(1);
        SimWorld w = f.world();
        assertTrue(w.runUntil(Duration.ofMinutes(2), () -> !finalsOf(x).isEmpty()));
        Envelope oldProposal = published(x, MessageType.CHECKPOINT_PROPOSAL).get(0);
        String oldId = CheckpointVoter.proposalId(oldProposal);
        // Open a new proposal and hold it open by keeping the real votes away from x.
        f.bus().partition((r, e) -> r == x && e.type() == MessageType.CHECKPOINT_VOTE);
        w.run(Duration.ofSeconds(3));
        assertTrue(x.control(c -> c.checkpoint().proposeNow()).startsWith("proposed"));
        Envelope open = published(x, MessageType.CHECKPOINT_PROPOSAL).get(1);
        CheckpointTuple t = ((CheckpointProposal) open.body()).tuple();
        String openId = CheckpointVoter.proposalId(open);
        SimNode v = f.node(2);
        EnvelopeSigner byV = new EnvelopeSigner(v.key(), w.clock());
        String topic = x.topics().checkpointVote(x.id().hex());

        NodeKey stranger = NodeKey.generate(new SecureRandom());
        Envelope forged = new EnvelopeSigner(stranger, w.clock()).sign(MessageType.CHECKPOINT_VOTE,
                new CheckpointVote(openId, true, t));
        x.receiveRaw(topic, forged.encode());
        assertEquals(1, x.metrics().rejects(RejectReason.UNKNOWN_SENDER));

        Envelope stale = byV.sign(MessageType.CHECKPOINT_VOTE, new CheckpointVote(oldId, true, t));
        x.receiveRaw(topic, stale.encode());
        assertEquals(1, x.metrics().protocolRejects("stale_vote"));

        Envelope good = byV.sign(MessageType.CHECKPOINT_VOTE, new CheckpointVote(openId, true, t));
        x.receiveRaw(topic, good.encode());
        x.receiveRaw(topic, good.encode());
        assertEquals(1, x.metrics().protocolRejects("duplicate_vote"));

        Envelope other = byV.sign(MessageType.CHECKPOINT_VOTE, new CheckpointVote(openId, true, t.withValues(9, 9, 9)));
        x.receiveRaw(topic, other.encode());
        assertEquals(1, x.metrics().protocolRejects("equivocation"));

        SimNode u = f.node(3);
        CheckpointTuple elsewhere = new CheckpointTuple(t.subjectId(), t.asOf(), t.restarts(), t.totalUptime(),
                t.firstSeen(), "00112233445566778899aabbccddeeff", t.round());
        x.receiveRaw(topic, new EnvelopeSigner(u.key(), w.clock()).sign(MessageType.CHECKPOINT_VOTE,
                new CheckpointVote(openId, true, elsewhere)).encode());
        assertEquals(1, x.metrics().protocolRejects("other_previous_checkpoint"));

        byte[] tampered = good.encode().clone();
        String json = new String(tampered, java.nio.charset.StandardCharsets.UTF_8).replace("\"approve\":true",
                "\"approve\":false");
        x.receiveRaw(topic, json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(1, x.metrics().rejects(RejectReason.BAD_SIGNATURE));
    }

    @Test
    void finalsWithTooFewSignaturesOrOnTheWrongTopicAreRejected() throws Exception {
        SimFederation f = fed(9, 20);
        SimNode x = f.node(1);
        SimNode y = f.node(2);
        assertTrue(f.world().runUntil(Duration.ofMinutes(2), () -> !finalsOf(x).isEmpty()));
        f.world().run(Duration.ofSeconds(1));
        Envelope realFinal = published(x, MessageType.CHECKPOINT_FINAL).get(0);
        CheckpointFinal real = (CheckpointFinal) realFinal.body();
        // Cut to 4 votes: fewer than minVoters.
        CheckpointFinal thin = new CheckpointFinal(real.tuple(), real.votes().subList(0, 4), Optional.empty());
        Envelope thinEnv = new EnvelopeSigner(x.key(), f.world().clock()).sign(MessageType.CHECKPOINT_FINAL, thin);
        // A later tuple carrying the old votes: their signatures are over another tuple.
        CheckpointTuple later = new CheckpointTuple(real.tuple().subjectId(), real.tuple().asOf() + 1, 0, 1, 1, "", 1);
        CheckpointFinal unsigned = new CheckpointFinal(later, real.votes(), Optional.empty());
        y.receiveRaw(y.topics().checkpointFinal(x.id().hex()),
                new EnvelopeSigner(x.key(), f.world().clock()).sign(MessageType.CHECKPOINT_FINAL, unsigned).encode());
        assertEquals(1, y.metrics().protocolRejects("invalid_final"));
        y.receiveRaw(y.topics().checkpointFinal(x.id().hex()), thinEnv.encode());
        assertEquals(1, y.metrics().protocolRejects("invalid_final"), "already known: not checked again");
        CheckpointFinal thinLater = new CheckpointFinal(later, real.votes().subList(0, 4), Optional.empty());
        y.receiveRaw(y.topics().checkpointFinal(x.id().hex()), new EnvelopeSigner(x.key(), f.world().clock())
                .sign(MessageType.CHECKPOINT_FINAL, thinLater).encode());
        assertEquals(2, y.metrics().protocolRejects("invalid_final"));
        y.receiveRaw(y.topics().checkpointFinal(y.id().hex()), thinEnv.encode());
        assertEquals(1, y.metrics().rejects(RejectReason.WRONG_TOPIC));
        assertEquals(real.checkpointId(), y.core().checkpoints().latest(x.id()).orElseThrow().checkpoint().checkpointId());
    }

    @Test
    void voterRestartedMidVoteNeitherSignsASecondVoteNorRepublishesOnAReplay() throws Exception {
        SimFederation f = fed(10, 20);
        SimNode x = f.node(1);
        SimNode v = f.node(4);
        SimWorld w = f.world();
        assertTrue(w.runUntil(Duration.ofMinutes(2), () -> !published(x, MessageType.CHECKPOINT_PROPOSAL).isEmpty()));
        Envelope proposal = published(x, MessageType.CHECKPOINT_PROPOSAL).get(0);
        w.run(Duration.ofMillis(500));
        List<Envelope> before = votesFor(v, proposal);
        assertEquals(1, before.size());
        v.crash();
        v.start();
        // After the restart v's view of x differs: were it to sign afresh, the vote would change.
        v.core().history().down(x.id(), ((CheckpointProposal) proposal.body()).tuple().asOf() - 20_000);
        v.receiveRaw(v.topics().checkpointPropose(), proposal.encode());
        w.run(Duration.ofMillis(2100)); // bootGrace is 2 s: v votes only after its recovery, still within the window
        v.receiveRaw(v.topics().checkpointPropose(), proposal.encode());
        w.run(Duration.ofMillis(100));
        List<Envelope> all = votesFor(v, proposal);
        assertEquals(before, all, "a replayed proposal neither gets a second vote nor makes the first one go out again");
        // counted as sync_first while v has not completed sessions with f + 1 peers yet, already_voted after
        assertEquals(1, v.metrics().protocolRejects("already_voted") + v.metrics().protocolRejects("sync_first"),
                "the replay after recovery is a counted refusal");
        assertFalse(v.core().checkpoint().collecting());
    }

    private static List<Envelope> votesFor(SimNode v, Envelope proposal) {
        String id = CheckpointVoter.proposalId(proposal);
        return published(v, MessageType.CHECKPOINT_VOTE).stream()
                .filter(e -> ((CheckpointVote) e.body()).proposalId().equals(id)).collect(Collectors.toList());
    }
}
