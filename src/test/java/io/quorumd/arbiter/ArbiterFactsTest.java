package io.quorumd.arbiter;

import static io.quorumd.arbiter.ArbiterScenarioTest.arb;
import static io.quorumd.arbiter.ArbiterScenarioTest.dispute;
import static io.quorumd.arbiter.ArbiterScenarioTest.fed;
import static io.quorumd.arbiter.ArbiterScenarioTest.open;
import static io.quorumd.arbiter.ArbiterScenarioTest.scores;
import static io.quorumd.arbiter.ArbiterScenarioTest.vote;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.NodeId;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.RejectReason;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Status, disputes held and reputation are functions of the signed facts a node holds, never of arrival
 * order or of names: each scenario gives nodes the same facts in different orders, or an operator edit, and
 * checks they agree.
 */
class ArbiterFactsTest {
    @TempDir
    Path dir;

    /**
     * Buyer and seller both open a dispute over the same payment at about the same time. A rule of "one
     * dispute per subject" applied by peers would keep whichever came first; nodes hold both instead.
     */
    @Test
    void twoOpensForOneSubjectAreBothHeldWhateverTheirOrder() throws Exception {
        SimFederation f = fed(dir, 201, 7, 4, 3, 1, 10);
        SimNode buyer = f.node(6);
        SimNode seller = f.node(7);
        long now = f.world().now();
        Envelope a = buyer.sign(MessageType.DISPUTE_OPEN,
                new DisputeOpen("pay-9", f.node(6).id(), f.node(7).id(), 100, "goods never came", List.of(), now), now);
        Envelope b = seller.sign(MessageType.DISPUTE_OPEN,
                new DisputeOpen("pay-9", f.node(6).id(), f.node(7).id(), 100, "buyer refuses to pay", List.of(), now), now);
        String topic = buyer.topics().arbiterPropose();
        f.node(2).receiveRaw(topic, a.encode());
        f.node(2).receiveRaw(topic, b.encode());
        f.node(3).receiveRaw(topic, b.encode());
        f.node(3).receiveRaw(topic, a.encode());
        Set<String> held2 = arb(f.node(2)).disputes().stream().map(Dispute::id).collect(Collectors.toSet());
        Set<String> held3 = arb(f.node(3)).disputes().stream().map(Dispute::id).collect(Collectors.toSet());
        assertEquals(held2, held3, "two nodes holding the same two signed opens must hold the same disputes");
    }

    /**
     * A member that is not a party to payment "pay-9" opens a dispute on that subject between itself and
     * someone else; the real parties can still open theirs.
     */
    @Test
    void nobodyCanSquatAnotherPairsSubject() throws Exception {
        SimFederation f = fed(dir, 202, 7, 4, 3, 1, 10);
        SimNode squatter = f.node(5);
        squatter.control(c -> c.arbiter().orElseThrow().desk().open("pay-9", "node-5", "node-1", 1, "mine", List.of()));
        f.world().run(Duration.ofSeconds(1));
        String id = f.node(6).control(c -> {
            try {
                return c.arbiter().orElseThrow().desk().open("pay-9", "node-6", "node-7", 100, "goods never came", List.of());
            } catch (IllegalArgumentException e) {
                return "refused: " + e.getMessage();
            }
        });
        assertTrue(!id.startsWith("refused"), "node-6 and node-7's payment is blocked by node-5: " + id);
    }

    /**
     * A single equivocating primary (node-1) in a 2-of-3 federation sends BUYER to node-4 and SELLER to
     * node-5, after honest node-2 voted BUYER and node-3 SELLER. Each side resolves; the rulings cross, and
     * every node ends CONTESTED with the same reputation table.
     */
    @Test
    void oneEquivocatingArbiterMakesTheDisputeContestedEverywhere() throws Exception {
        SimFederation f = fed(dir, 203, 6, 3, 2, 0, 10);
        String id = open(f.node(6));
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(2), id, Decision.BUYER);
        vote(f.node(3), id, Decision.SELLER);
        f.world().run(Duration.ofSeconds(1));
        SimNode hostile = f.node(1);
        long now = f.world().now();
        Envelope forBuyer = hostile.sign(MessageType.DISPUTE_VOTE, new DisputeVote(id, Decision.BUYER, "b", now), now);
        Envelope forSeller = hostile.sign(MessageType.DISPUTE_VOTE, new DisputeVote(id, Decision.SELLER, "s", now), now);
        String topic = hostile.topics().arbiterVote();
        f.node(4).receiveRaw(topic, forBuyer.encode());
        f.node(5).receiveRaw(topic, forSeller.encode());
        f.world().run(Duration.ofSeconds(30)); // graces end, both rulings go out
        for (SimNode n : f.nodes()) { // now everybody holds both signed votes
            n.receiveRaw(topic, forBuyer.encode());
            n.receiveRaw(topic, forSeller.encode());
        }
        f.world().run(Duration.ofSeconds(5));
        String states = f.nodes().stream().map(n -> n + "=" + dispute(n, id).status() + "/"
                + dispute(n, id).decision().map(Decision::code).orElse("-")).collect(Collectors.joining(" "));
        Optional<Decision> d4 = dispute(f.node(4), id).decision();
        Optional<Decision> d5 = dispute(f.node(5), id).decision();
        assertEquals(d4, d5, "same signed facts, same outcome: " + states);
        assertEquals(scores(f.node(4)), scores(f.node(5)), "and the same reputation table");
    }

    /**
     * A dispute on "pay-1" expires; the party opens a new one on the same subject and an arbiter votes on
     * it. Replay expires nothing, so a subject rule applied in replay would drop the second dispute and its
     * votes; both come back after a restart, on a peer and on the opener.
     */
    @Test
    void aSubjectReopenedAfterExpirySurvivesARestart() throws Exception {
        SimFederation f = fed(dir, 204, 6, 4, 3, 1, 10);
        open(f.node(6));
        f.world().run(Duration.ofSeconds(120)); // 60 s voting + 30 s fallback extension + skew: EXPIRED
        String second = f.node(6).control(c -> c.arbiter().orElseThrow().desk().open("pay-1", "node-6", "node-1", 100,
                "still not paid", List.of()));
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(1), second, Decision.BUYER);
        f.world().run(Duration.ofSeconds(1));
        SimNode n = f.node(2);
        assertEquals(1, dispute(n, second).votes().size());
        n.stop();
        n.start();
        assertTrue(arb(n).dispute(second).isPresent(), n + " forgot dispute " + second + " across a restart");
        SimNode opener = f.node(6);
        opener.stop();
        opener.start();
        assertTrue(arb(opener).dispute(second).isPresent(), "the opener forgot its own dispute across a restart");
    }

    /**
     * An open is bounded (texts, at most 8 evidence digests) so that the ruling carrying it with M votes
     * fits a message; a party that signs a larger one by hand is refused by every peer, so no ruling that
     * nobody can receive is ever built.
     */
    @Test
    void anOpenTooLargeForItsRulingIsRefusedByEveryPeer() throws Exception {
        SimFederation f = fed(dir, 205, 6, 4, 3, 1, 10);
        SimNode party = f.node(6);
        long now = f.world().now();
        List<String> evidence = new ArrayList<>();
        for (int i = 0; i <= DisputeOpen.MAX_EVIDENCE; i++) {
            evidence.add(String.format("%064x", i));
        }
        Envelope open = party.signUnchecked(MessageType.DISPUTE_OPEN,
                new DisputeOpen("pay-big", f.node(6).id(), f.node(1).id(), 1, "x", evidence, now), now);
        f.bus().publish(party.topics().arbiterPropose(), open, false);
        f.world().run(Duration.ofSeconds(1));
        for (SimNode n : f.nodes().subList(0, 5)) {
            assertEquals(1, n.metrics().rejects(RejectReason.BAD_VALUE), n.name());
            assertTrue(arb(n).disputes().isEmpty());
        }
    }

    /**
     * A member replays one captured vote of honest arbiter node-1 (for a dispute the target does not know)
     * 64 times. The buffer holds one vote per arbiter and dispute, so node-1's own next vote that outruns its
     * open still finds room: nobody fills a cap that belongs to another.
     */
    @Test
    void replayedCopiesOfAnArbitersVoteTakeNoShareOfItsBuffer() throws Exception {
        SimFederation f = fed(dir, 206, 6, 4, 3, 1, 10);
        SimNode target = f.node(2);
        long now = f.world().now();
        Envelope captured = f.node(1).sign(MessageType.DISPUTE_VOTE,
                new DisputeVote(String.format("%032x", 7), Decision.BUYER, "r", now), now);
        for (int i = 0; i < ArbiterMachine.BUFFER_PER_SENDER; i++) { // a hostile member re-publishes it
            target.receiveRaw(target.topics().arbiterVote(), captured.encode());
        }
        // node-1's real vote on a dispute whose open has not reached node-2 yet
        long t = f.world().now();
        DisputeOpen body = new DisputeOpen("pay-5", f.node(6).id(), f.node(1).id(), 1, "x", List.of(), t);
        Envelope open = f.node(6).sign(MessageType.DISPUTE_OPEN, body, t);
        Envelope real = f.node(1).sign(MessageType.DISPUTE_VOTE, new DisputeVote(body.disputeId(), Decision.BUYER, "r", t), t);
        target.receiveRaw(target.topics().arbiterVote(), real.encode());
        target.receiveRaw(target.topics().arbiterPropose(), open.encode());
        assertEquals(0, target.metrics().protocolRejects("vote_buffer_full"), "node-1's real vote was dropped");
        assertEquals(1, dispute(target, body.disputeId()).votes().size());
    }

    /**
     * Operator: renames member node-6 to "alice" in node-2's roster (names are labels only, DESIGN §4) and
     * restarts node-2 while node-6 has a dispute open. Parties are node ids in the signed open, so node-2
     * keeps accepting node-6's activation, the fallback vote and the ruling, and resolves like every node.
     */
    @Test
    void renamingAMemberKeepsItsActiveDisputes() throws Exception {
        SimFederation f = fed(dir, 207, 6, 4, 3, 1, 10);
        String id = open(f.node(6));
        f.world().run(Duration.ofSeconds(1));
        SimNode two = f.node(2);
        two.stop();
        two.reconfigure(f.reconfigured(2, y -> y.replace("name: node-6\n", "name: alice\n")));
        two.start();
        f.world().run(Duration.ofSeconds(35)); // midpoint: node-6 activates the fallback arbiter
        vote(f.node(1), id, Decision.SELLER);
        vote(f.node(3), id, Decision.SELLER);
        vote(f.node(5), id, Decision.SELLER);
        f.world().run(Duration.ofSeconds(60));
        String states = f.nodes().stream().map(n -> n + "=" + dispute(n, id).status()).collect(Collectors.joining(" "));
        assertEquals(DisputeStatus.RESOLVED, dispute(two, id).status(), states + "; node-2 rejects: "
                + two.metrics().rejectSummary());
    }

    /**
     * A dispute expires one vote short (node-1, node-2 BUYER, M = 3). Minutes later node-3's BUYER vote,
     * signed before the deadline, arrives: a vote is judged on its signed facts, not on when it arrived, so
     * every node that holds it moves the dispute to RESOLVED — the same everywhere, as a ruling carrying it
     * would. (Without trusted time an arbiter can also date a late vote back; docs/protocol.md says so.)
     */
    @Test
    void aVoteSignedInTimeCountsWheneverItArrives() throws Exception {
        SimFederation f = fed(dir, 208, 6, 4, 3, 0, 10);
        String id = open(f.node(6));
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(1), id, Decision.BUYER);
        vote(f.node(2), id, Decision.BUYER);
        long signedAt = f.world().now();
        Envelope late = f.node(3).sign(MessageType.DISPUTE_VOTE, new DisputeVote(id, Decision.BUYER, "late", signedAt),
                signedAt);
        f.world().run(Duration.ofMinutes(10));
        for (SimNode n : f.nodes()) {
            assertEquals(DisputeStatus.EXPIRED, dispute(n, id).status(), n.name());
        }
        f.bus().publish(f.node(3).topics().arbiterVote(), late, false);
        f.world().run(Duration.ofSeconds(10));
        for (SimNode n : f.nodes()) {
            assertEquals(DisputeStatus.RESOLVED, dispute(n, id).status(), n.name());
            assertEquals(Optional.of(Decision.BUYER), dispute(n, id).decision());
        }
        assertEquals(scores(f.node(1)), scores(f.node(5)));
    }
}
