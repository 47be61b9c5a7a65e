package io.quorumd.arbiter;

import static io.quorumd.arbiter.ArbiterScenarioTest.arb;
import static io.quorumd.arbiter.ArbiterScenarioTest.deliver;
import static io.quorumd.arbiter.ArbiterScenarioTest.dispute;
import static io.quorumd.arbiter.ArbiterScenarioTest.fed;
import static io.quorumd.arbiter.ArbiterScenarioTest.open;
import static io.quorumd.arbiter.ArbiterScenarioTest.scores;
import static io.quorumd.arbiter.ArbiterScenarioTest.states;
import static io.quorumd.arbiter.ArbiterScenarioTest.vote;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.NodeId;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.DisputeRuling;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.FallbackActivation;
import io.quorumd.wire.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Edges of "status is a function of the signed facts": operator changes of M, votes and activations that
 * arrive after a local expiry, rulings while CONTESTED, buffered votes, equivocators across restarts.
 */
class ArbiterFactsEdgesTest {
    @TempDir
    Path dir;

    private static Throwable thrownBy(ThrowingRunnable r) {
        try {
            r.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static String openAs(SimNode buyer, String seller) {
        return buyer.control(c -> c.arbiter().orElseThrow().desk().open("pay-1", buyer.name(), seller, 100, "late",
                List.of()));
    }

    /**
     * An operator raises arbiter.required from 2 to 3 on node-6, whose ledger holds a dispute CONTESTED under
     * M = 2. A new vote that gives BUYER 3 under M = 3 changes nothing: CONTESTED is final, live and at the
     * next start.
     */
    @Test
    void aContestedDisputeStaysContestedAfterRaisingRequiredLiveAndAtReplay() throws Exception {
        SimFederation f = fed(dir, 301, 6, 5, 2, 0, 10);
        String id = open(f.node(6));
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(1), id, Decision.BUYER);
        vote(f.node(3), id, Decision.SELLER);
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(2), id, Decision.BUYER);
        vote(f.node(4), id, Decision.SELLER); // two groups of M voted apart: CONTESTED under M = 2
        f.world().run(Duration.ofSeconds(10));
        SimNode six = f.node(6);
        assertEquals(DisputeStatus.CONTESTED, dispute(six, id).status(), states(f, id));
        six.stop();
        six.reconfigure(f.reconfigured(6, y -> y.replace("  required: 2\n", "  required: 3\n")));
        six.start();
        assertEquals(DisputeStatus.CONTESTED, dispute(six, id).status());
        long t = f.world().now();
        Envelope late = f.node(5).sign(MessageType.DISPUTE_VOTE, new DisputeVote(id, Decision.BUYER, "late", t), t);
        Throwable live = thrownBy(() -> six.receiveRaw(six.topics().arbiterVote(), late.encode()));
        six.control(c -> null); // EventLoop: a handler's RuntimeException is logged, afterBatch still commits
        six.stop();
        Throwable restart = thrownBy(six::start);
        assertAll(() -> assertNull(live, "live vote handling threw: " + live),
                () -> assertNull(restart, "restart failed: " + restart));
    }

    /**
     * Lowering arbiter.required from 3 to 2: a dispute RESOLVED BUYER (3 BUYER, 2 SELLER) under M = 3 keeps
     * its decision, and the ruling grace at start publishes nothing for SELLER and throws nothing.
     */
    @Test
    void loweringRequiredPublishesOnlyTheDecisionInForce() throws Exception {
        SimFederation f = fed(dir, 302, 6, 5, 3, 0, 10);
        String id = open(f.node(6));
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(4), id, Decision.SELLER);
        vote(f.node(5), id, Decision.SELLER);
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(1), id, Decision.BUYER);
        vote(f.node(2), id, Decision.BUYER);
        vote(f.node(3), id, Decision.BUYER);
        f.world().run(Duration.ofSeconds(10));
        SimNode six = f.node(6);
        assertEquals(DisputeStatus.RESOLVED, dispute(six, id).status(), states(f, id));
        six.stop();
        six.reconfigure(f.reconfigured(6, y -> y.replace("  required: 3\n", "  required: 2\n")));
        six.start();
        Throwable grace = thrownBy(() -> f.world().run(Duration.ofSeconds(15)));
        assertNull(grace, "the ruling grace threw: " + grace);
    }

    /**
     * 4-of-5, no fallback. node-4's SELLER vote, signed in time, reaches node-6 at once and node-7 only
     * after its deadline timer fired: both end DEADLOCKED (EXPIRED → DEADLOCKED), with the same reputation
     * table, and node-7 says the same after a restart.
     */
    @Test
    void aVoteThatDeadlocksCountsTheSameBeforeOrAfterALocalExpiry() throws Exception {
        SimFederation f = fed(dir, 303, 7, 5, 4, 0, 10);
        String id = open(f.node(6));
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(1), id, Decision.BUYER);
        vote(f.node(2), id, Decision.BUYER);
        vote(f.node(3), id, Decision.SELLER);
        f.world().run(Duration.ofSeconds(1));
        long t = f.world().now();
        Envelope four = f.node(4).sign(MessageType.DISPUTE_VOTE, new DisputeVote(id, Decision.SELLER, "s", t), t);
        SimNode early = f.node(6);
        SimNode late = f.node(7);
        early.receiveRaw(early.topics().arbiterVote(), four.encode());
        f.world().run(Duration.ofSeconds(80));
        late.receiveRaw(late.topics().arbiterVote(), four.encode());
        assertEquals(dispute(early, id).votes().keySet(), dispute(late, id).votes().keySet(), "same votes held");
        DisputeStatus liveStatus = dispute(late, id).status();
        Map<NodeId, Double> liveScores = scores(late);
        late.stop();
        late.start();
        DisputeStatus replayed = dispute(late, id).status();
        DisputeStatus other = dispute(early, id).status();
        Map<NodeId, Double> otherScores = scores(early);
        assertAll(() -> assertEquals(other, liveStatus, "two nodes holding the same votes"),
                () -> assertEquals(otherScores, liveScores, "and the same reputation table"),
                () -> assertEquals(liveStatus, replayed, "live run and replay after restart"));
    }

    /**
     * 2-of-3 with one fallback arbiter. RESOLVED BUYER before the midpoint; after it, the losing seller
     * signs an activation (refused: BUYER had M votes before it) and wraps it, with an honest SELLER vote
     * and one of the fallback arbiter, in a ruling. Nodes that hold the BUYER votes refuse the ruling too:
     * the outcome stays RESOLVED BUYER.
     */
    @Test
    void aRulingCannotCarryAnActivationTheVotesHeldRefuse() throws Exception {
        SimFederation f = fed(dir, 304, 7, 3, 2, 1, 10);
        String id = openAs(f.node(6), "node-7");
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(3), id, Decision.SELLER);
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(1), id, Decision.BUYER);
        vote(f.node(2), id, Decision.BUYER);
        f.world().run(Duration.ofSeconds(10));
        SimNode peer = f.node(5);
        assertEquals(Optional.of(Decision.BUYER), dispute(peer, id).decision(), states(f, id));
        f.world().run(Duration.ofSeconds(25)); // past the midpoint, before the deadline
        SimNode seller = f.node(7);
        long now = f.world().now();
        Envelope activation = seller.sign(MessageType.DISPUTE_FALLBACK, new FallbackActivation(id, now), now);
        f.bus().publish(seller.topics().arbiterPropose(), activation, false);
        f.world().run(Duration.ofSeconds(1));
        assertEquals(1, peer.metrics().protocolRejects("enough_votes"), "the activation alone is refused");
        now = f.world().now();
        Envelope fallbackVote = f.node(4).sign(MessageType.DISPUTE_VOTE, new DisputeVote(id, Decision.SELLER, "x", now), now);
        Envelope honestDissent = dispute(peer, id).votes().get(f.node(3).id());
        Envelope ruling = seller.sign(MessageType.DISPUTE_RULING, new DisputeRuling(dispute(peer, id).open(),
                Optional.of(activation), Decision.SELLER, List.of(honestDissent, fallbackVote)), now);
        f.bus().publish(seller.topics().arbiterFinal(), ruling, false);
        f.world().run(Duration.ofSeconds(1));
        assertEquals(DisputeStatus.RESOLVED, dispute(peer, id).status(), states(f, id));
        assertEquals(Optional.of(Decision.BUYER), dispute(peer, id).decision());
    }

    /**
     * node-7 is down at the midpoint, when node-6 activates the fallback, and restarts after the original
     * deadline (EXPIRED here). The queued activation still counts (a signed fact), so a vote signed inside
     * the extension counts at node-7 as everywhere else, and reputation tables agree.
     */
    @Test
    void anActivationQueuedWhileDownCountsAfterALocalExpiry() throws Exception {
        SimFederation f = fed(dir, 305, 7, 4, 3, 1, 10);
        String id = open(f.node(6));
        f.world().run(Duration.ofSeconds(1));
        SimNode away = f.node(7);
        away.stop();
        f.world().run(Duration.ofSeconds(66)); // midpoint (activation) and the original deadline + skew pass
        Envelope activation = f.node(6).published().stream().filter(e -> e.type() == MessageType.DISPUTE_FALLBACK)
                .findFirst().orElseThrow();
        away.start();
        away.receiveRaw(away.topics().arbiterPropose(), activation.encode()); // what the broker queued
        vote(f.node(1), id, Decision.SELLER); // inside the 30 s extension
        f.world().run(Duration.ofSeconds(40)); // the extended deadline passes
        SimNode up = f.node(2);
        assertEquals(dispute(up, id).fallback().isPresent(), dispute(away, id).fallback().isPresent(),
                "activation held; rejects at " + away + ": " + away.metrics().rejectSummary());
        assertEquals(dispute(up, id).votes().keySet(), dispute(away, id).votes().keySet(), "votes counted");
        assertEquals(scores(up), scores(away), "reputation tables");
    }

    /**
     * 2-of-4: node-1/node-2 BUYER, node-3/node-4 SELLER, every node CONTESTED. Rulings received while
     * CONTESTED are held, so the ranked grace lets one node per side publish, not every node.
     */
    @Test
    void aContestedDisputeGetsOneRulingPerSideNotOnePerNode() throws Exception {
        SimFederation f = fed(dir, 306, 8, 4, 2, 0, 10);
        String id = open(f.node(6));
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(1), id, Decision.BUYER);
        vote(f.node(3), id, Decision.SELLER);
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(2), id, Decision.BUYER);
        vote(f.node(4), id, Decision.SELLER);
        f.world().run(Duration.ofSeconds(30));
        for (SimNode n : f.nodes()) {
            assertEquals(DisputeStatus.CONTESTED, dispute(n, id).status(), states(f, id));
        }
        long rulings = f.nodes().stream().flatMap(n -> n.published().stream())
                .filter(e -> e.type() == MessageType.DISPUTE_RULING).count();
        assertTrue(rulings <= 2, rulings + " rulings published for one contested dispute (one per side would do)");
    }

    /**
     * node-5 gets arbiter node-4's SELLER vote before the open (buffered), then learns the dispute from a
     * ruling: the buffered vote is judged again then and counted, as at node-6, which got the open first.
     */
    @Test
    void aVoteBufferedForADisputeLearnedFromARulingIsCounted() throws Exception {
        SimFederation f = fed(dir, 307, 7, 4, 3, 0, 10);
        long t = f.world().now();
        DisputeOpen body = new DisputeOpen("pay-7", f.node(7).id(), f.node(1).id(), 1, "x", List.of(), t);
        Envelope open = f.node(7).sign(MessageType.DISPUTE_OPEN, body, t);
        String id = body.disputeId();
        Envelope v1 = f.node(1).sign(MessageType.DISPUTE_VOTE, new DisputeVote(id, Decision.BUYER, "b", t), t);
        Envelope v2 = f.node(2).sign(MessageType.DISPUTE_VOTE, new DisputeVote(id, Decision.BUYER, "b", t), t);
        Envelope v3 = f.node(3).sign(MessageType.DISPUTE_VOTE, new DisputeVote(id, Decision.BUYER, "b", t), t);
        Envelope v4 = f.node(4).sign(MessageType.DISPUTE_VOTE, new DisputeVote(id, Decision.SELLER, "s", t), t);
        Envelope ruling = f.node(1).sign(MessageType.DISPUTE_RULING,
                new DisputeRuling(open, Optional.empty(), Decision.BUYER, List.of(v1, v2, v3)), t);
        SimNode y = f.node(5);
        SimNode z = f.node(6);
        deliver(y, v4, ruling, open);
        deliver(z, open, v1, v2, v3, v4);
        f.world().run(Duration.ofSeconds(90)); // buffer sweep; the deadline passes
        assertEquals(dispute(z, id).votes().keySet(), dispute(y, id).votes().keySet(),
                "votes held; rejects at " + y + ": " + y.metrics().rejectSummary());
        assertEquals(scores(z), scores(y), "reputation tables");
    }

    /**
     * Arbiter node-4 signs BUYER and SELLER; node-5 gets both before the open (both buffered: one per
     * arbiter, dispute and decision), node-6 after it. Both count node-4 on both sides, with the same table.
     */
    @Test
    void aBufferedEquivocatorsOtherDecisionVoteIsCounted() throws Exception {
        SimFederation f = fed(dir, 311, 7, 4, 3, 0, 10);
        long t = f.world().now();
        DisputeOpen body = new DisputeOpen("pay-8", f.node(7).id(), f.node(1).id(), 1, "x", List.of(), t);
        Envelope open = f.node(7).sign(MessageType.DISPUTE_OPEN, body, t);
        String id = body.disputeId();
        Envelope v1 = f.node(1).sign(MessageType.DISPUTE_VOTE, new DisputeVote(id, Decision.BUYER, "b", t), t);
        Envelope v2 = f.node(2).sign(MessageType.DISPUTE_VOTE, new DisputeVote(id, Decision.BUYER, "b", t), t);
        Envelope fourB = f.node(4).sign(MessageType.DISPUTE_VOTE, new DisputeVote(id, Decision.BUYER, "b", t), t);
        Envelope fourS = f.node(4).sign(MessageType.DISPUTE_VOTE, new DisputeVote(id, Decision.SELLER, "s", t), t);
        SimNode y = f.node(5);
        SimNode z = f.node(6);
        deliver(y, fourB, fourS, open, v1, v2);
        deliver(z, open, v1, v2, fourB, fourS);
        assertAll(() -> assertEquals(dispute(z, id).count(Decision.SELLER), dispute(y, id).count(Decision.SELLER),
                        "SELLER votes counted; rejects at " + y + ": " + y.metrics().rejectSummary()),
                () -> assertEquals(scores(z), scores(y), "reputation tables"));
    }

    /**
     * node-4's vote makes a 4-of-5 dispute DEADLOCKED at node-4, which crashes after the fsync and before
     * the publish. At start it publishes its own vote again (the dispute closed recently, without a ruling),
     * and the others count it.
     */
    @Test
    void aVoteThatClosedTheDisputeLocallyIsRepublishedAfterACrash() throws Exception {
        SimFederation f = fed(dir, 308, 7, 5, 4, 0, 10);
        String id = open(f.node(6));
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(1), id, Decision.BUYER);
        vote(f.node(2), id, Decision.BUYER);
        vote(f.node(3), id, Decision.SELLER);
        f.world().run(Duration.ofSeconds(1));
        SimNode four = f.node(4);
        f.bus().partition((r, e) -> e.from().equals(four.id()) && e.type() == MessageType.DISPUTE_VOTE);
        vote(four, id, Decision.SELLER); // signed, fsynced; the publish is lost with the crash
        four.crash();
        f.bus().partition((r, e) -> false);
        four.start();
        f.world().run(Duration.ofSeconds(80));
        SimNode other = f.node(7);
        assertTrue(dispute(other, id).votes().containsKey(four.id()), "node-4's vote never reached " + other + ": "
                + states(f, id));
    }

    /**
     * Arbiter node-3 signs two BUYER votes with different dates. Which one a node holds first depends on
     * arrival, so an equivocator's response time is not counted: node-5 and node-6 compute the same table.
     */
    @Test
    void twoSameDecisionVotesGiveTheSameTableWhateverTheirOrder() throws Exception {
        SimFederation f = fed(dir, 309, 7, 4, 3, 0, 10);
        String id = open(f.node(6));
        f.world().run(Duration.ofSeconds(1));
        long opened = dispute(f.node(5), id).body().openedAt();
        Envelope quick = f.node(3).sign(MessageType.DISPUTE_VOTE, new DisputeVote(id, Decision.BUYER, "a", opened + 1_000),
                opened + 1_000);
        Envelope slow = f.node(3).sign(MessageType.DISPUTE_VOTE, new DisputeVote(id, Decision.BUYER, "b", opened + 50_000),
                opened + 50_000);
        SimNode a = f.node(5);
        SimNode b = f.node(7);
        deliver(a, quick, slow);
        deliver(b, slow, quick);
        assertEquals(scores(a), scores(b), "same two signed votes, same table");
    }

    /**
     * An arbiter's second BUYER vote is stored once as evidence; restarts rebuild that from the ledger, so
     * a replayed copy after each restart stores nothing more.
     */
    @Test
    void equivocationEvidenceIsStoredOnceAcrossRestarts() throws Exception {
        SimFederation f = fed(dir, 310, 6, 4, 3, 1, 10);
        String id = open(f.node(6));
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(1), id, Decision.BUYER);
        f.world().run(Duration.ofSeconds(1));
        long t = f.world().now();
        Envelope second = f.node(1).sign(MessageType.DISPUTE_VOTE, new DisputeVote(id, Decision.BUYER, "again", t), t);
        SimNode peer = f.node(3);
        peer.receiveRaw(peer.topics().arbiterVote(), second.encode());
        long afterFirst = peer.core().ledger().lastSeq();
        int restarts = 3;
        for (int i = 0; i < restarts; i++) {
            peer.stop();
            peer.start();
            long before = peer.core().ledger().lastSeq();
            peer.receiveRaw(peer.topics().arbiterVote(), second.encode());
            assertEquals(before, peer.core().ledger().lastSeq(), "restart " + (i + 1) + ": a replayed vote stored "
                    + (peer.core().ledger().lastSeq() - before) + " new entries (evidence again); first evidence at seq "
                    + afterFirst);
        }
    }
}
