package io.quorumd.delivery;

import static io.quorumd.delivery.DeliveryFixtures.open;
import static io.quorumd.delivery.DeliveryFixtures.openEnvelope;
import static io.quorumd.delivery.DeliveryFixtures.requests;
import static io.quorumd.delivery.DeliveryFixtures.signedDecisions;
import static io.quorumd.delivery.DeliveryFixtures.tryVote;
import static io.quorumd.delivery.DeliveryFixtures.vote;
import static io.quorumd.delivery.DeliveryFixtures.votedThenWiped;
import static io.quorumd.delivery.DeliveryFixtures.wipe;
import static io.quorumd.delivery.ResponderScenarioTest.arb;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.arbiter.DisputeStatus;
import io.quorumd.crypto.NodeId;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.wire.Decision;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.FallbackActivation;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.SyncRequest;
import io.quorumd.wire.SyncResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sign once across a lost disk (DESIGN §2): a node whose ledger is new signs no vote and no activation on a
 * dispute opened before its ledger began — whatever its peers answer (nothing, empty pages, the open without
 * its votes, a second activation) and however often it restarts meanwhile. Sync only brings it what the
 * others hold.
 */
class WipedNodeTest {
    @TempDir
    Path dir;

    private SimFederation syncFed(long seed, String yaml) throws Exception {
        return SyncScenarioTest.fed(dir, seed, Duration.ofSeconds(30), yaml);
    }

    /**
     * The open reaches node-3 again live (a persistent session, a member's replay; within the 30 s skew), and
     * its operator votes the other way: refused, and node-3 has signed one decision only.
     */
    private static void neverVotesTwice(SimFederation f, SimNode opener, String id) {
        SimNode three = f.node(3);
        three.receiveRaw(three.topics().arbiterPropose(), openEnvelope(opener, id).encode());
        String refusal = tryVote(three, id, Decision.SELLER);
        assertTrue(refusal.contains("ledger is new") || refusal.contains("already voted BUYER"), refusal);
        assertEquals(Set.of(Decision.BUYER), signedDecisions(three, id));
    }

    /** Answers every sync request node-3 sent to a member of {@code liars} with {@code items} (selector disputes). */
    private static void answerFor(SimFederation f, Map<NodeId, SimNode> liars, List<Envelope> items, Set<String> answered) {
        SimNode three = f.node(3);
        for (Envelope req : List.copyOf(three.published())) {
            if (req.type() != MessageType.SYNC_REQUEST || !answered.add(req.contentId())) {
                continue;
            }
            SyncRequest r = (SyncRequest) req.body();
            SimNode liar = liars.get(r.to());
            if (liar != null) {
                List<Envelope> page = r.selector().equals(SyncRequest.DISPUTES) ? items : List.of();
                three.receiveRaw(three.topics().syncResponse(three.id()), liar.sign(MessageType.SYNC_RESPONSE,
                        new SyncResponse(three.id(), 0, r.selector(), req.contentId(), page, ""), f.world().now()).encode());
            }
        }
    }

    @Test
    void noSyncPageAtAllStillNeverMakesAWipedNodeVoteTwiceAndTheSyncIsRetried() throws Exception {
        SimFederation f = syncFed(201, "sync:\n  timeout: 1s\n");
        SimNode three = f.node(3);
        String id = votedThenWiped(f, f.node(6), "pay-a");
        f.bus().partition((r, e) -> r == three && e.type() == MessageType.SYNC_RESPONSE); // no page reaches it
        three.start();
        f.world().run(three.config().checkpoint().bootGrace().plusSeconds(6)); // 3 peers tried, 1 s each
        assertFalse(three.core().sync().caughtUp());
        neverVotesTwice(f, f.node(6), id);
        long asked = requests(three);
        f.world().run(Duration.ofSeconds(40));
        assertTrue(requests(three) > asked, "an incomplete sync is tried again");
    }

    @Test
    void aRestartBeforeTheFirstSyncStillNeverMakesAWipedNodeVoteTwice() throws Exception {
        SimFederation f = syncFed(202, "");
        SimNode three = f.node(3);
        String id = votedThenWiped(f, f.node(6), "pay-b");
        f.bus().partition((r, e) -> r == three && e.type() == MessageType.SYNC_RESPONSE);
        three.start();
        f.world().run(Duration.ofMillis(500)); // in boot grace: a boot entry on the new disk, no sync yet
        three.stop(); // the operator restarts it (or systemd does, after a crash)
        f.world().run(Duration.ofSeconds(2));
        three.start();
        neverVotesTwice(f, f.node(6), id);
    }

    @Test
    void oneMemberAnsweringEmptyPagesCannotMakeAWipedNodeVoteTwice() throws Exception {
        SimFederation f = syncFed(211, "");
        SimNode three = f.node(3);
        SimNode liar = f.node(6);
        String id = votedThenWiped(f, f.node(7), "pay-l");
        f.bus().partition((r, e) -> r == three && ((e.type() == MessageType.SYNC_RESPONSE && e.from().equals(liar.id()))
                || (e.type() == MessageType.PRESENCE_HEARTBEAT && !e.from().equals(liar.id()))));
        three.start();
        Set<String> answered = new HashSet<>();
        f.world().runUntil(Duration.ofSeconds(10), () -> { // the open stays younger than the live cap
            answerFor(f, Map.of(liar.id(), liar), List.of(), answered); // "I hold nothing"
            return false;
        });
        assertFalse(answered.isEmpty(), "the liar was asked");
        assertFalse(three.core().sync().caughtUp(), "one member's complete session is fewer than f + 1");
        neverVotesTwice(f, f.node(7), id);
    }

    @Test
    void twoMembersHandingOverTheOpenWithoutItsVotesCannotMakeAWipedNodeVoteTwice() throws Exception {
        SimFederation f = syncFed(402, "");
        SimNode three = f.node(3);
        Map<NodeId, SimNode> gang = Map.of(f.node(6).id(), f.node(6), f.node(7).id(), f.node(7));
        String id = votedThenWiped(f, f.node(4), "pay-g"); // an honest opener: not the colluders' own open
        Envelope theOpen = openEnvelope(f.node(4), id);
        f.bus().partition((r, e) -> r == three && ((e.type() == MessageType.SYNC_RESPONSE && gang.containsKey(e.from()))
                || (e.type() == MessageType.PRESENCE_HEARTBEAT && !gang.containsKey(e.from()))));
        three.start();
        Set<String> answered = new HashSet<>();
        f.world().runUntil(Duration.ofSeconds(60), () -> {
            answerFor(f, gang, List.of(theOpen), answered);
            return false;
        });
        assertFalse(three.core().sync().caughtUp(), "two members' complete sessions are fewer than f + 1 = 3");
        assertTrue(arb(three).dispute(id).isPresent(), "the open came, its votes did not");
        assertFalse(arb(three).dispute(id).orElseThrow().votes().containsKey(three.id()));
        neverVotesTwice(f, f.node(4), id);
    }

    /**
     * node-1..3 primaries, node-4 and node-5 fallback arbiters, M = 3. node-4 votes after node-6's activation,
     * loses its disk; node-7, the other party, signs a second, later activation and hands it over first.
     */
    @Test
    void aPartysSecondActivationCannotMakeAWipedFallbackArbiterVoteTwice() throws Exception {
        SimFederation f = SimFederation.started(308, dir, SimFederation.Options.fast(7).withArbiters(
                new SimFederation.Arbiters(3, 3, 2, Duration.ofMinutes(10), Duration.ofMinutes(5)))
                .withClockSkew(Duration.ofSeconds(30)).withYaml("responder:\n  enabled: false\n"), 10);
        assertTrue(f.awaitCaughtUp(Duration.ofSeconds(30)));
        SimNode w = f.node(4);
        SimNode hostile = f.node(7);
        String id = open(f.node(6), "pay-f");
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(1), id, Decision.BUYER);
        vote(f.node(2), id, Decision.SELLER);
        f.world().run(Duration.ofMinutes(5).plusSeconds(5)); // the midpoint: node-6 activates the fallback arbiters
        assertEquals(DisputeStatus.FALLBACK, arb(f.node(1)).dispute(id).orElseThrow().status());
        vote(w, id, Decision.BUYER);
        f.world().run(Duration.ofSeconds(1));
        w.crash();
        wipe(w);
        long now = f.world().now();
        Envelope later = hostile.sign(MessageType.DISPUTE_FALLBACK,
                new FallbackActivation(id, now + Duration.ofMinutes(2).toMillis()), now);
        for (SimNode n : f.nodes()) { // every node that holds node-6's activation refuses the later one
            if (n.up()) {
                n.receiveRaw(n.topics().arbiterPropose(), later.encode());
            }
        }
        f.bus().partition((r, e) -> r == w && e.from().equals(f.node(6).id()) && e.type() == MessageType.DISPUTE_FALLBACK);
        w.start();
        w.receiveRaw(w.topics().arbiterPropose(), openEnvelope(f.node(6), id).encode());
        w.receiveRaw(w.topics().arbiterPropose(), later.encode());
        f.world().run(Duration.ofMinutes(2).plusSeconds(10)); // past node-7's activation date
        String refusal = tryVote(w, id, Decision.SELLER);
        assertTrue(refusal.contains("ledger is new") || refusal.contains("already voted"), refusal);
        assertEquals(Set.of(Decision.BUYER), signedDecisions(w, id));
        Envelope held = arb(f.node(1)).dispute(id).orElseThrow().fallback().orElseThrow();
        assertEquals(f.node(6).id(), held.from(), "the earliest activation stands on the nodes that hold both");
    }

    @Test
    void withSyncOffAWipedNodeStillNeverVotesTwice() throws Exception {
        SimFederation f = syncFed(212, "sync:\n  enabled: false\n");
        SimNode three = f.node(3);
        String id = votedThenWiped(f, f.node(6), "pay-o");
        three.start();
        assertTrue(three.core().sync().caughtUp(), "sync off: nothing to wait for");
        neverVotesTwice(f, f.node(6), id);
    }

    /**
     * node-3's clock runs 25 s fast and node-6's 20 s (within the 30 s skew, so both still sign): node-6's
     * open is dated 20 s ahead of true time, node-3 votes on it at once, loses its disk, and its clock is set
     * right before the new ledger starts. The new ledger begins before the open's date by the new clock, yet
     * within twice the skew: refused once that date has come, as ever after.
     */
    @Test
    void aClockSetBackAcrossTheDiskSwapStillNeverMakesItVoteTwice() throws Exception {
        SimFederation f = syncFed(501, "");
        SimNode three = f.node(3);
        three.setClockOffset(25_000);
        f.node(6).setClockOffset(20_000);
        f.world().run(Duration.ofSeconds(3)); // peers see their heartbeats within the skew
        String id = votedThenWiped(f, f.node(6), "pay-clock");
        three.setClockOffset(0);
        f.bus().partition((r, e) -> r == three && e.type() == MessageType.SYNC_RESPONSE);
        three.start();
        f.world().run(Duration.ofSeconds(25)); // past the open's date by node-3's clock, set right
        neverVotesTwice(f, f.node(6), id);
    }

    /** A clock more than the skew off its peers' signs no vote at all, new ledger or not. */
    @Test
    void aClockOffItsPeersByMoreThanTheSkewSignsNoVote() throws Exception {
        SimFederation f = syncFed(502, "");
        SimNode three = f.node(3);
        String id = open(f.node(6), "pay-off");
        f.world().run(Duration.ofSeconds(1));
        three.setClockOffset(60_000); // after the open arrived: it holds it
        f.world().run(Duration.ofSeconds(3));
        String refusal = tryVote(three, id, Decision.BUYER);
        assertTrue(refusal.contains("off its peers'"), refusal + " / offset " + three.core().presence().peerClockOffsets());
        assertEquals(Set.of(), signedDecisions(three, id));
        three.setClockOffset(0);
        f.world().run(Duration.ofSeconds(3));
        assertEquals("", tryVote(three, id, Decision.BUYER), "its time set right, it votes");
    }

    /**
     * A new ledger started while its clock was an hour ahead does not begin then: it waits until its clock
     * agrees with its peers', and votes on disputes opened after that (twice the skew later).
     */
    @Test
    void aNewLedgerStartedWithAClockAheadBeginsOnlyOnceTheClockIsRight() throws Exception {
        SimFederation f = syncFed(503, "");
        SimNode three = f.node(3);
        three.crash();
        wipe(three);
        three.setClockOffset(Duration.ofHours(1).toMillis());
        three.start();
        f.world().run(Duration.ofSeconds(5));
        String early = open(f.node(6), "pay-early");
        f.world().run(Duration.ofSeconds(1));
        assertFalse(tryVote(three, early, Decision.BUYER).isEmpty(), "nothing signed with a clock an hour ahead");
        three.setClockOffset(0); // NTP sets it right
        f.world().run(Duration.ofSeconds(65));
        String later = open(f.node(6), "pay-later");
        f.world().run(Duration.ofSeconds(1));
        assertEquals("", tryVote(three, later, Decision.BUYER));
    }

    /** A new federation's keys never signed: an open dated within the skew before it started is voted on. */
    @Test
    void aNewFederationVotesOnAnOpenDatedJustBeforeItStarted() throws Exception {
        SimFederation f = syncFed(505, "");
        SimNode opener = f.node(6);
        long at = f.world().now() - 20_000; // the opener's clock is 20 s behind: within the 30 s skew
        Envelope env = opener.sign(MessageType.DISPUTE_OPEN, new io.quorumd.wire.DisputeOpen("pay-early", opener.id(),
                f.node(7).id(), 5, "x", List.of(), at), at);
        for (SimNode n : f.nodes()) {
            n.receiveRaw(n.topics().arbiterPropose(), env.encode());
        }
        String id = ((io.quorumd.wire.DisputeOpen) env.body()).disputeId();
        for (int a = 1; a <= 3; a++) {
            assertEquals("", tryVote(f.node(a), id, Decision.BUYER), "node-" + a);
        }
    }

    /**
     * A restart that keeps the ledger keeps what its beginning allowed: older disputes are voted on, once the
     * first sync of the run is complete (before it, a restored ledger could lack a vote the peers hold).
     */
    @Test
    void aRestartWithItsLedgerStillVotesOnOlderDisputes() throws Exception {
        SimFederation f = syncFed(506, "");
        SimNode three = f.node(3);
        String id = open(f.node(6), "pay-kept");
        f.world().run(Duration.ofSeconds(1));
        three.crash();
        three.start();
        f.world().run(Duration.ofSeconds(1));
        assertTrue(tryVote(three, id, Decision.SELLER).contains("caught up with f + 1 peers"));
        assertTrue(f.world().runUntil(Duration.ofSeconds(20), () -> three.core().sync().caughtUp()));
        assertEquals("", tryVote(three, id, Decision.SELLER));
        assertTrue(three.core().signingState().contains("new key"), three.core().signingState());
    }
}
