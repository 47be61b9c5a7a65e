package io.quorumd.arbiter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.FallbackActivation;
import io.quorumd.wire.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import io.quorumd.crypto.NodeId;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Arbitration scenarios on simulated nodes (production NodeCore, virtual time, --fast timings, 60 s voting). */
class ArbiterScenarioTest {
    /** federation.clockSkew of these scenarios: it covers the bus's delay (up to 4 s) and opens that arrive late. */
    static final Duration SKEW = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    static SimFederation fed(Path dir, long seed, int nodes, int primaries, int required, int fallbacks, long delay)
            throws Exception {
        SimFederation f = SimFederation.started(seed, dir,
                SimFederation.Options.arbitration(nodes, primaries, required, fallbacks).withClockSkew(SKEW), delay);
        f.world().run(Duration.ofSeconds(3));
        return f;
    }

    /** The reputation table of node {@code n}, score per arbiter. */
    static Map<NodeId, Double> scores(SimNode n) {
        Map<NodeId, Double> out = new TreeMap<>();
        Reputation.of(arb(n).disputes(), arb(n).policy()).forEach((id, s) -> out.put(id, s.score()));
        return out;
    }

    /** Hands {@code envelopes} to {@code n} as the broker would, each on its topic. */
    static void deliver(SimNode n, Envelope... envelopes) {
        for (Envelope e : envelopes) {
            n.receiveRaw(switch (e.type()) {
                case DISPUTE_OPEN, DISPUTE_FALLBACK -> n.topics().arbiterPropose();
                case DISPUTE_VOTE -> n.topics().arbiterVote();
                case DISPUTE_RULING -> n.topics().arbiterFinal();
                default -> throw new IllegalArgumentException(e.type().wireName());
            }, e.encode());
        }
    }

    static ArbiterMachine arb(SimNode n) {
        return n.core().arbiter().orElseThrow();
    }

    /** Opens "pay-1" as a party: {@code by} is the buyer, node-1 (or node-2, if {@code by} is node-1) the seller. */
    static String open(SimNode by) {
        String seller = by.name().equals("node-1") ? "node-2" : "node-1";
        return by.control(c -> c.arbiter().orElseThrow().desk().open("pay-1", by.name(), seller, 100, "late", List.of()));
    }

    static void vote(SimNode n, String id, Decision d) {
        n.control(c -> {
            c.arbiter().orElseThrow().desk().vote(id, d, "because");
            return null;
        });
    }

    static Dispute dispute(SimNode n, String id) {
        return arb(n).dispute(id).orElseThrow(() -> new AssertionError(n + " does not know " + id));
    }

    static String states(SimFederation f, String id) {
        return f.nodes().stream().map(n -> n + "=" + arb(n).dispute(id).map(d -> d.status() + "/" + d.decision()
                .map(Decision::code).orElse("-")).orElse("?")).collect(Collectors.joining(" ")) + " seed=" + f.world().seed();
    }

    @Test
    void threeOfFiveBuyerSellerBuyerBuyerIsBuyerEverywhere() throws Exception {
        SimFederation f = fed(dir, 1, 7, 5, 3, 1, 30);
        String id = open(f.node(7));
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(1), id, Decision.BUYER);
        vote(f.node(2), id, Decision.SELLER);
        vote(f.node(3), id, Decision.BUYER);
        vote(f.node(4), id, Decision.BUYER);
        f.world().run(Duration.ofSeconds(1));
        for (SimNode n : f.nodes()) {
            assertEquals(DisputeStatus.RESOLVED, dispute(n, id).status(), states(f, id));
            assertEquals(Optional.of(Decision.BUYER), dispute(n, id).decision());
        }
        f.world().run(Duration.ofSeconds(5));
        for (SimNode n : f.nodes()) {
            assertTrue(dispute(n, id).ruling().isPresent(), n + " stored the ruling");
            n.stop();
            assertTrue(LedgerScanner.scan(Ledger.directory(n.config().node().dataDir()), new FullVerifier()).intact());
        }
        long published = f.nodes().stream().flatMap(n -> n.published().stream())
                .filter(e -> e.type() == MessageType.DISPUTE_RULING).count();
        assertEquals(1, published, "only the arbiter with the 3rd agreeing vote published the ruling");
    }

    @Test
    void fourOfFiveSplitTwoTwoDeadlocksAtOnceWithoutFallback() throws Exception {
        SimFederation f = fed(dir, 2, 6, 5, 4, 0, 20);
        String id = open(f.node(6));
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(1), id, Decision.BUYER);
        vote(f.node(2), id, Decision.BUYER);
        vote(f.node(3), id, Decision.SELLER);
        f.world().run(Duration.ofSeconds(1));
        assertEquals(DisputeStatus.OPEN, dispute(f.node(6), id).status());
        vote(f.node(4), id, Decision.SELLER);
        f.world().run(Duration.ofSeconds(1));
        for (SimNode n : f.nodes()) {
            assertEquals(DisputeStatus.DEADLOCKED, dispute(n, id).status(), states(f, id));
        }
    }

    @Test
    void withAFallbackArbiterTheDeadlockWaitsUntilItsVoteCannotHelp() throws Exception {
        SimFederation f = fed(dir, 3, 7, 5, 4, 1, 20);
        String id = open(f.node(7));
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(1), id, Decision.BUYER);
        vote(f.node(2), id, Decision.BUYER);
        vote(f.node(3), id, Decision.SELLER);
        vote(f.node(4), id, Decision.SELLER);
        f.world().run(Duration.ofSeconds(35)); // past the midpoint: node-7 activates the fallback
        assertEquals(DisputeStatus.FALLBACK, dispute(f.node(1), id).status(), states(f, id));
        vote(f.node(5), id, Decision.SELLER);
        f.world().run(Duration.ofSeconds(1));
        assertEquals(DisputeStatus.FALLBACK, dispute(f.node(1), id).status(), "SELLER can still reach 4 with node-6");
        vote(f.node(6), id, Decision.BUYER);
        f.world().run(Duration.ofSeconds(1));
        for (SimNode n : f.nodes()) {
            assertEquals(DisputeStatus.DEADLOCKED, dispute(n, id).status(), states(f, id));
        }
    }

    @Test
    void threeOfFiveNeverDeadlocksWhateverTheVotes() throws Exception {
        for (int combo = 0; combo < 32; combo++) {
            SimFederation f = fed(dir.resolve("c" + combo), 100 + combo, 6, 5, 3, 0, 10);
            String id = open(f.node(6));
            f.world().run(Duration.ofSeconds(1));
            for (int p = 0; p < 5; p++) {
                if (arb(f.node(p + 1)).dispute(id).orElseThrow().status().active()) {
                    vote(f.node(p + 1), id, (combo >> p & 1) == 1 ? Decision.SELLER : Decision.BUYER);
                }
                f.world().run(Duration.ofMillis(200));
                assertTrue(dispute(f.node(6), id).status() != DisputeStatus.DEADLOCKED, "combo " + combo);
            }
            Decision majority = Integer.bitCount(combo) >= 3 ? Decision.SELLER : Decision.BUYER;
            assertEquals(Optional.of(majority), dispute(f.node(6), id).decision(), "combo " + combo);
        }
    }

    @Test
    void fallbackActivationBeforeTheMidpointIsRejectedAfterItExtendsTheDeadline() throws Exception {
        SimFederation f = fed(dir, 4, 7, 5, 3, 1, 10);
        SimNode opener = f.node(7);
        String id = open(opener);
        f.world().run(Duration.ofSeconds(10));
        EnvelopeSigner bySeven = new EnvelopeSigner(opener.key(), f.world().clock());
        Envelope early = bySeven.sign(MessageType.DISPUTE_FALLBACK, new FallbackActivation(id, f.world().now()));
        f.node(1).receiveRaw(f.node(1).topics().arbiterPropose(), early.encode());
        assertEquals(1, f.node(1).metrics().protocolRejects("before_midpoint"));
        assertEquals(DisputeStatus.OPEN, dispute(f.node(1), id).status());
        // A fallback arbiter's vote before activation does not count.
        assertThrows(IllegalArgumentException.class, () -> arb(f.node(6)).desk().vote(id, Decision.BUYER, "too soon"));
        long deadline = dispute(f.node(1), id).deadline();
        f.world().run(Duration.ofSeconds(25)); // node-7 activates at the midpoint (30 s) with fewer than M votes
        for (SimNode n : f.nodes()) {
            assertEquals(DisputeStatus.FALLBACK, dispute(n, id).status(), states(f, id));
            assertEquals(deadline + 30_000, dispute(n, id).deadline());
        }
        vote(f.node(6), id, Decision.SELLER);
        vote(f.node(1), id, Decision.SELLER);
        vote(f.node(2), id, Decision.SELLER);
        f.world().run(Duration.ofSeconds(1));
        for (SimNode n : f.nodes()) {
            assertEquals(Optional.of(Decision.SELLER), dispute(n, id).decision(), states(f, id));
        }
        f.world().run(Duration.ofSeconds(5));
        assertTrue(dispute(f.node(4), id).ruling().orElseThrow().fallback().isPresent());
    }

    /** node-6 opens a dispute; node-1 votes buyer, node-2 seller, nobody else; it expires. Its id. */
    private static String expiredWithTwoVotes(SimFederation f) {
        String id = open(f.node(6));
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(1), id, Decision.BUYER);
        vote(f.node(2), id, Decision.SELLER);
        f.world().run(Duration.ofSeconds(70));
        return id;
    }

    @Test
    void expiryRecordsNonParticipation() throws Exception {
        SimFederation f = fed(dir, 5, 6, 5, 3, 0, 10);
        String id = expiredWithTwoVotes(f);
        for (SimNode n : f.nodes()) {
            assertEquals(DisputeStatus.EXPIRED, dispute(n, id).status(), states(f, id));
        }
        var rep = Reputation.of(arb(f.node(4)).disputes(), arb(f.node(4)).policy());
        for (int p = 1; p <= 5; p++) {
            assertEquals(p <= 2 ? 0 : 1, rep.get(f.node(p).id()).nonParticipations(), "node-" + p);
        }
        assertThrows(IllegalArgumentException.class, () -> arb(f.node(3)).desk().vote(id, Decision.BUYER, "late"));
    }

    /**
     * An arbiter that rotated its key keeps its reputation (DESIGN §12): with the lineage old id → new id, the
     * votes it cast under the old key count for the new id, and an expiry counts no non-participation against a
     * primary that voted under its old key.
     */
    @Test
    void votesCastUnderARotatedKeyCountForTheNewId() throws Exception {
        SimFederation f = fed(dir, 5, 6, 5, 3, 0, 10);
        expiredWithTwoVotes(f);
        NodeId old = f.node(1).id();
        NodeId rotated = io.quorumd.crypto.NodeKey.fromSeed(new byte[32]).nodeId();
        var plain = Reputation.of(arb(f.node(4)).disputes(), arb(f.node(4)).policy());
        var followed = Reputation.of(arb(f.node(4)).disputes(), arb(f.node(4)).policy(), x -> x.equals(old) ? rotated : x);
        assertEquals(0, plain.get(old).nonParticipations(), "node-1 voted");
        assertTrue(plain.get(old).meanResponseHours().isPresent());
        assertTrue(followed.get(rotated).meanResponseHours().isPresent(), "node-1's vote counts for its new id");
        assertEquals(plain.get(old).score(), followed.get(rotated).score(), "with the same score");
        assertEquals(1, followed.get(f.node(3).id()).nonParticipations(), "a primary that never voted still counts one");
    }

    @Test
    void votesThatOutrunTheOpenAreBufferedAndCount() throws Exception {
        SimFederation f = fed(dir, 6, 6, 5, 3, 0, 10);
        SimNode late = f.node(5);
        // The open reaches node-5 10 s late; three votes arrive before it (and no sync page brings it sooner).
        f.bus().partition((r, e) -> r == late && (e.type() == MessageType.DISPUTE_OPEN
                || e.type() == MessageType.SYNC_RESPONSE));
        String id = open(f.node(6));
        f.world().run(Duration.ofSeconds(1));
        Envelope theOpen = dispute(f.node(1), id).open();
        vote(f.node(1), id, Decision.SELLER);
        vote(f.node(2), id, Decision.SELLER);
        vote(f.node(3), id, Decision.SELLER);
        f.world().run(Duration.ofSeconds(1));
        assertTrue(arb(late).dispute(id).isEmpty());
        f.bus().partition((r, e) -> false);
        late.receiveRaw(late.topics().arbiterPropose(), theOpen.encode());
        assertEquals(Optional.of(Decision.SELLER), dispute(late, id).decision());
        assertEquals(3, dispute(late, id).votes().size());
    }

    @Test
    void aNodeThatMissedEveryVoteAcceptsTheRulingAlone() throws Exception {
        SimFederation f = fed(dir, 7, 7, 5, 3, 1, 10);
        SimNode deaf = f.node(7);
        f.bus().partition((r, e) -> r == deaf && e.type() != MessageType.DISPUTE_RULING);
        String id = open(f.node(6));
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(1), id, Decision.BUYER);
        vote(f.node(2), id, Decision.BUYER);
        vote(f.node(3), id, Decision.BUYER);
        f.world().run(Duration.ofSeconds(10));
        assertEquals("none", deaf.metrics().rejectSummary());
        Dispute d = dispute(deaf, id);
        assertEquals(Optional.of(Decision.BUYER), d.decision());
        assertEquals(3, d.votes().size(), "the votes came inside the ruling");
    }

    @Test
    void arbiterRestartedMidDisputeRebuildsFromItsLedgerAndNeverVotesTwiceDifferently() throws Exception {
        SimFederation f = fed(dir, 8, 6, 5, 3, 0, 10);
        SimNode a = f.node(2);
        String id = open(f.node(6));
        f.world().run(Duration.ofSeconds(1));
        vote(a, id, Decision.SELLER);
        vote(f.node(1), id, Decision.BUYER);
        f.world().run(Duration.ofSeconds(1));
        a.crash();
        f.world().run(Duration.ofSeconds(2));
        a.start();
        f.world().run(Duration.ofSeconds(3));
        Dispute rebuilt = dispute(a, id);
        assertEquals(DisputeStatus.OPEN, rebuilt.status());
        assertEquals(2, rebuilt.votes().size(), "both votes came back from the ledger");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> arb(a).desk().vote(id, Decision.BUYER, "changed"));
        assertTrue(e.getMessage().contains("already voted SELLER"), e.getMessage());
        Set<Envelope> mine = a.published().stream().filter(x -> x.type() == MessageType.DISPUTE_VOTE)
                .collect(Collectors.toSet());
        assertEquals(1, mine.size());
        assertEquals(Decision.SELLER, ((DisputeVote) mine.iterator().next().body()).decision());
    }
}
