package io.quorumd.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.wire.CheckpointProposal;
import io.quorumd.wire.CheckpointTuple;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A subject can sign any proposal, and anyone can re-publish one it captured. Seven nodes, --fast timings
 * (voteWindow 3 s), a hostile node-1 driving its own proposals by hand.
 */
class CheckpointHostileTest {
    @TempDir
    Path dir;

    private SimFederation fed(long seed) throws Exception {
        SimFederation f = SimFederation.started(seed, dir, SimFederation.Options.fast(7), 5);
        f.world().run(Duration.ofSeconds(3)); // past the boot grace: everyone votes
        return f;
    }

    private static long votes(SimFederation f) {
        return f.nodes().stream().flatMap(n -> n.published().stream()).filter(e -> e.type() == MessageType.CHECKPOINT_VOTE)
                .count();
    }

    private static long entries(SimFederation f) {
        return f.nodes().stream().mapToLong(n -> n.core().ledger().lastSeq()).sum();
    }

    private static Envelope propose(SimNode subject, long asOf, int round, long restarts) {
        CheckpointTuple t = new CheckpointTuple(subject.id().hex(), asOf, restarts, 3, 1_800_000_000L, "", round);
        return subject.sign(MessageType.CHECKPOINT_PROPOSAL, new CheckpointProposal(t), asOf);
    }

    @Test
    void replayAmplificationOfACapturedProposalCausesNoExtraVotes() throws Exception {
        SimFederation f = fed(61);
        SimNode x = f.node(1);
        Envelope captured = propose(x, f.world().now(), 1, 0);
        f.bus().publish(x.topics().checkpointPropose(), captured, false);
        f.world().run(Duration.ofMillis(100));
        long votesOnce = votes(f);
        assertEquals(6, votesOnce, "each of the six voters voted once");
        long entriesOnce = entries(f);
        for (int i = 0; i < 300; i++) {
            f.bus().publish(x.topics().checkpointPropose(), captured, false);
        }
        f.world().run(Duration.ofMillis(100));
        assertEquals(votesOnce, votes(f), "300 replays: 0 extra votes");
        assertEquals(entriesOnce, entries(f), "and nothing more stored");
        for (SimNode n : f.nodes().subList(1, 7)) {
            assertEquals(300, n.metrics().protocolRejects("duplicate"), n.name());
        }
        f.world().run(Duration.ofSeconds(10));
        for (int i = 0; i < 300; i++) {
            f.bus().publish(x.topics().checkpointPropose(), captured, false);
        }
        f.world().run(Duration.ofMillis(100));
        assertEquals(votesOnce, votes(f), "replayed after its window: still 0 extra votes");
        assertEquals(300, f.node(2).metrics().protocolRejects("stale_proposal"));
    }

    @Test
    void twoProposalsForOneAsOfAndRoundGetOneVoteAndLeaveEvidence() throws Exception {
        SimFederation f = fed(62);
        SimNode x = f.node(1);
        long asOf = f.world().now();
        f.bus().publish(x.topics().checkpointPropose(), propose(x, asOf, 1, 0), false);
        f.world().run(Duration.ofMillis(100));
        // The same slot again, with other values and a later envelope ts: a second, different signed claim.
        f.world().run(Duration.ofMillis(5));
        Envelope other = x.sign(MessageType.CHECKPOINT_PROPOSAL, new CheckpointProposal(new CheckpointTuple(x.id().hex(),
                asOf, 7, 3, 1_800_000_000L, "", 1)), f.world().now());
        f.bus().publish(x.topics().checkpointPropose(), other, false);
        f.world().run(Duration.ofMillis(100));
        assertEquals(6, votes(f), "one vote per voter for the slot (subject, asOf, round)");
        for (SimNode n : f.nodes().subList(1, 7)) {
            assertEquals(1, n.metrics().protocolRejects("equivocation"), n.name());
        }
        for (int i = 0; i < 50; i++) { // and fifty more variants: evidence is stored once per slot, not per variant
            f.bus().publish(x.topics().checkpointPropose(), x.sign(MessageType.CHECKPOINT_PROPOSAL, new CheckpointProposal(
                    new CheckpointTuple(x.id().hex(), asOf, 8 + i, 3, 1_800_000_000L, "", 1)), f.world().now()), false);
        }
        f.world().run(Duration.ofMillis(100));
        assertEquals(6, votes(f));
        SimNode v = f.node(4);
        assertEquals(51, v.metrics().protocolRejects("equivocation"));
        v.stop();
        List<String> kinds = kinds(v);
        assertEquals(1, kinds.stream().filter(EntryKind.EVIDENCE.wireName()::equals).count(),
                "both first proposals stored as evidence, once: " + kinds);
    }

    @Test
    void aSubjectFloodingProposalsGetsAtMostItsBudgetOfVotesPerWindow() throws Exception {
        SimFederation f = fed(63);
        SimNode x = f.node(1);
        for (int i = 0; i < 100; i++) {
            f.bus().publish(x.topics().checkpointPropose(), propose(x, f.world().now(), 1, 0), false);
            f.world().run(Duration.ofMillis(10));
        }
        f.world().run(Duration.ofMillis(100));
        long perVoter = CheckpointVoter.VOTES_PER_WINDOW;
        assertEquals(6 * perVoter, votes(f), "one second of proposals every 10 ms: a vote window's budget each");
        assertEquals(100 - perVoter, f.node(3).metrics().protocolRejects("proposal_rate"));
        // Going back in time is refused too.
        f.bus().publish(x.topics().checkpointPropose(), propose(x, f.world().now() - 1500, 1, 0), false);
        f.world().run(Duration.ofMillis(100));
        assertEquals(1, f.node(3).metrics().protocolRejects("stale_proposal"));
    }

    private static List<String> kinds(SimNode n) throws Exception {
        List<String> out = new ArrayList<>();
        LedgerScanner.scan(Ledger.directory(n.config().node().dataDir()), (e, p) -> {
            out.add(e.kind().wireName());
            return Optional.empty();
        });
        return out;
    }

    /**
     * node-3 loses its disk right after a proposal went round, and is back within the vote window: the
     * proposal replayed to it is dated before its new ledger began, so it signs no second vote on it (its old
     * vote may have said otherwise).
     */
    @Test
    void aVoterWithANewLedgerDoesNotVoteOnOlderProposals() throws Exception {
        SimFederation f = fed(64);
        SimNode x = f.node(1);
        SimNode three = f.node(3);
        Envelope before = propose(x, f.world().now(), 1, 0);
        three.crash();
        three.wipeDataDir();
        f.world().run(Duration.ofMillis(200));
        three.start();
        f.world().run(three.config().checkpoint().bootGrace().plusMillis(100));
        long mine = votesOf(three);
        three.receiveRaw(three.topics().checkpointPropose(), before.encode());
        f.world().run(Duration.ofMillis(100));
        // refused either way: its clock not yet checked against a peer's heartbeats, or dated before the ledger
        assertEquals(1, three.metrics().protocolRejects("before_ledger") + three.metrics().protocolRejects("ledger_new"),
                three.metrics().rejectSummary());
        assertEquals(mine, votesOf(three));
    }

    /** A proposal dated ahead (within the skew) is voted on once its asOf has come, not before. */
    @Test
    void aProposalDatedAheadIsVotedOnOnlyOnceItsTimeHasCome() throws Exception {
        SimFederation f = fed(65);
        SimNode x = f.node(1);
        SimNode four = f.node(4);
        long mine = votesOf(four);
        long lead = four.config().federation().clockSkew().toMillis() / 2; // ahead, within the skew allowance
        Envelope ahead = propose(x, f.world().now() + lead, 1, 0);
        four.receiveRaw(four.topics().checkpointPropose(), ahead.encode());
        f.world().run(Duration.ofMillis(lead - 100));
        assertEquals(mine, votesOf(four), "not yet: its asOf is still ahead");
        f.world().run(Duration.ofMillis(200));
        assertEquals(mine + 1, votesOf(four), "voted once its asOf came: " + four.metrics().rejectSummary());
    }

    private static long votesOf(SimNode n) {
        return n.published().stream().filter(e -> e.type() == MessageType.CHECKPOINT_VOTE).count();
    }
}
