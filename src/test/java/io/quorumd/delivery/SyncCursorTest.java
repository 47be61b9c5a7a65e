package io.quorumd.delivery;

import static io.quorumd.delivery.DeliveryFixtures.lastRequest;
import static io.quorumd.delivery.DeliveryFixtures.open;
import static io.quorumd.delivery.DeliveryFixtures.signedDecisions;
import static io.quorumd.delivery.DeliveryFixtures.tryVote;
import static io.quorumd.delivery.DeliveryFixtures.vote;
import static io.quorumd.delivery.DeliveryFixtures.wipe;
import static io.quorumd.delivery.ResponderScenarioTest.arb;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.wire.Decision;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.SyncRequest;
import io.quorumd.wire.SyncResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sync pages and cursors on simulated nodes, against hostile peers: a group larger than a page, a group
 * that changed between two pages, a cursor that is malformed or does not move on.
 */
class SyncCursorTest {
    @TempDir
    Path dir;

    private SimFederation syncFed(long seed, Duration skew, String yaml) throws Exception {
        return SyncScenarioTest.fed(dir, seed, skew, yaml);
    }

    /** pageSize 2 (config check accepts it): the group [open, vote of node-1, vote of node-3] spans two pages. */
    @Test
    void aGroupLargerThanAPageIsSplitNotCutSoAWipedArbiterLearnsItsVote() throws Exception {
        SimFederation f = syncFed(205, Duration.ofSeconds(5), "sync:\n  pageSize: 2\n"); // passes config check
        SimNode three = f.node(3);
        String id = open(f.node(6), "pay-e");
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(1), id, Decision.SELLER);
        f.world().run(Duration.ofSeconds(1));
        vote(three, id, Decision.BUYER);
        f.world().run(Duration.ofSeconds(1));
        three.crash();
        wipe(three);
        three.start();
        assertTrue(f.world().runUntil(Duration.ofSeconds(30), () -> three.core().sync().caughtUp()));
        assertTrue(arb(three).dispute(id).isPresent(), "the open came by sync");
        assertTrue(arb(three).dispute(id).orElseThrow().votes().containsKey(three.id()), "its own vote, from page 2");
        assertTrue(arb(three).dispute(id).orElseThrow().votes().containsKey(f.node(1).id()));
        String refusal = tryVote(three, id, Decision.SELLER);
        assertTrue(refusal.contains("already voted BUYER"), refusal);
        assertEquals(Set.of(Decision.BUYER), signedDecisions(three, id));
    }

    @Test
    void aGroupResolvedBetweenTwoPagesStillDeliversItsRuling() throws Exception {
        SimFederation f = syncFed(307, Duration.ofSeconds(5), "sync:\n  pageSize: 2\n");
        SimNode server = f.node(4);
        SimNode client = f.node(7);
        List<Envelope> pages = new ArrayList<>();
        List<Envelope> heldRequests = new ArrayList<>();
        // node-7 misses the votes and the ruling live (a broker that dropped them: why it syncs); the server's pages
        // and node-7's requests for a second page of a group are held so the test decides when they go
        f.bus().partition((r, e) -> {
            if (r == client && (e.type() == MessageType.DISPUTE_VOTE || e.type() == MessageType.DISPUTE_RULING)) {
                return true;
            }
            if (r == client && e.type() == MessageType.SYNC_RESPONSE && e.from().equals(server.id())) {
                pages.add(e);
                return true;
            }
            if (r == server && e.type() == MessageType.SYNC_REQUEST && e.from().equals(client.id())
                    && ((SyncRequest) e.body()).cursor().contains(".")) {
                heldRequests.add(e);
                return true;
            }
            return false;
        });
        String id = open(f.node(6), "pay-split");
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(1), id, Decision.SELLER);
        vote(f.node(2), id, Decision.SELLER);
        f.world().run(Duration.ofSeconds(1)); // the server's group: [open, vote 1, vote 2]
        client.control(c -> c.sync().now(Optional.of(server.id())));
        for (int i = 0; i < 20 && heldRequests.isEmpty(); i++) {
            f.world().run(Duration.ofMillis(100));
            while (!pages.isEmpty()) {
                client.receiveRaw(client.topics().syncResponse(client.id()), pages.remove(0).encode());
            }
        }
        assertEquals(1, heldRequests.size(), "node-7 asks for the rest of the group: "
                + heldRequests.stream().map(e -> ((SyncRequest) e.body()).cursor()).toList());
        vote(f.node(3), id, Decision.SELLER); // M = 3: RESOLVED, the group is now [ruling]
        f.world().run(Duration.ofSeconds(5));
        assertTrue(arb(server).dispute(id).orElseThrow().ruling().isPresent());
        server.receiveRaw(server.topics().syncRequest(server.id()), heldRequests.get(0).encode());
        f.world().run(Duration.ofMillis(100));
        while (!pages.isEmpty()) {
            client.receiveRaw(client.topics().syncResponse(client.id()), pages.remove(0).encode());
        }
        f.world().run(Duration.ofSeconds(1));
        var held = arb(client).dispute(id).orElseThrow();
        assertTrue(held.ruling().isPresent(), "the group became [ruling] after page 1: page 2 sends it; node-7 holds "
                + held.status() + " with " + held.votes().size() + " vote(s)");
    }

    /** Runs the world as the event loop would: a RuntimeException fails that one event, the loop goes on. */
    private static int runLikeTheLoop(SimFederation f, Duration d) {
        int failures = 0;
        long until = f.world().now() + d.toMillis();
        while (f.world().now() < until) {
            try {
                f.world().run(Duration.ofMillis(Math.min(1000, until - f.world().now())));
            } catch (RuntimeException e) {
                failures++;
            }
        }
        return failures;
    }

    /**
     * {@code n} loses its disk and comes back seeing only {@code hostile}, whose daemon's own sync answers are
     * lost (the test answers in its name); returns at the end of boot grace, with the first request sent.
     */
    private static void wipedSeeingOnly(SimFederation f, SimNode n, SimNode hostile) throws Exception {
        n.crash();
        wipe(n);
        f.bus().partition((r, e) -> r == n && ((e.type() == MessageType.PRESENCE_HEARTBEAT && !e.from().equals(hostile.id()))
                || e.type() == MessageType.SYNC_RESPONSE));
        n.start();
        f.world().run(n.config().checkpoint().bootGrace().plusMillis(200));
    }

    @Test
    void aMalformedNextCursorIsRejectedAndSyncMovesOnToAnotherPeer() throws Exception {
        SimFederation f = syncFed(209, Duration.ofSeconds(5), "");
        SimNode three = f.node(3);
        SimNode hostile = f.node(6);
        wipedSeeingOnly(f, three, hostile);
        Envelope request = lastRequest(three);
        assertEquals(hostile.id(), ((SyncRequest) request.body()).to());
        Envelope page = hostile.signUnchecked(MessageType.SYNC_RESPONSE, new SyncResponse(three.id(), 0,
                SyncRequest.CHECKPOINTS, request.contentId(), List.of(), "Z"), f.world().now()); // not a cursor
        three.receiveRaw(three.topics().syncResponse(three.id()), page.encode());
        assertEquals(1, three.metrics().rejects(io.quorumd.wire.RejectReason.BAD_VALUE));
        f.bus().partition((r, e) -> false); // every peer visible and answering from now on
        int failures = runLikeTheLoop(f, Duration.ofMinutes(1));
        assertEquals(0, failures, "no handler failed");
        assertTrue(three.core().sync().caughtUp(), "the unanswered request timed out and other peers were asked");
    }

    @Test
    void aCursorThatDoesNotMoveOnIsRefusedAndThePeerGivenUp() throws Exception {
        SimFederation f = syncFed(210, Duration.ofSeconds(5), "");
        SimNode three = f.node(3);
        SimNode hostile = f.node(6);
        Envelope item = DeliveryFixtures.openEnvelope(hostile, open(hostile, "pay-c")); // no checkpoint: bad_sync_item
        wipedSeeingOnly(f, three, hostile);
        answerLastRequest(f, three, hostile, List.of(item), "b");
        assertEquals("b", ((SyncRequest) lastRequest(three).body()).cursor());
        answerLastRequest(f, three, hostile, List.of(), "a");
        assertEquals(1, three.metrics().protocolRejects("bad_sync_cursor"));
        assertFalse(three.core().sync().caughtUp());
        f.bus().partition((r, e) -> false);
        assertTrue(f.world().runUntil(Duration.ofSeconds(30), () -> three.core().sync().caughtUp()),
                "another peer was asked from the start");
        List<Envelope> asked = three.published().stream().filter(e -> e.type() == MessageType.SYNC_REQUEST).toList();
        assertTrue(asked.stream().anyMatch(e -> !((SyncRequest) e.body()).to().equals(hostile.id())));
    }

    /** A hostile peer's cheapest way to hold a session: empty pages that go on, each just before the timeout. */
    @Test
    void anEmptyPageThatGoesOnIsRefusedAndThePeerGivenUp() throws Exception {
        SimFederation f = syncFed(211, Duration.ofSeconds(5), "");
        SimNode three = f.node(3);
        SimNode hostile = f.node(6);
        wipedSeeingOnly(f, three, hostile);
        Envelope first = lastRequest(three);
        answerLastRequest(f, three, hostile, List.of(), "b");
        assertEquals(1, three.metrics().protocolRejects("bad_sync_cursor"));
        assertEquals(first, lastRequest(three), "the empty page was not followed up");
        f.bus().partition((r, e) -> false);
        assertTrue(f.world().runUntil(Duration.ofSeconds(30), () -> three.core().sync().caughtUp()));
    }

    /**
     * The checkpoints selector serves one final per subject: a peer still going on after more pages than there
     * are members in a gap's session (which a member starts at will by proposing) is holding it (here with one
     * item of no use per page) and is given up on.
     */
    @Test
    void moreCheckpointPagesThanMembersEndTheSessionWithThatPeer() throws Exception {
        SimFederation f = syncFed(212, Duration.ofSeconds(5), "sync:\n  timeout: 1s\n");
        SimNode three = f.node(3);
        SimNode hostile = f.node(6);
        Envelope item = DeliveryFixtures.openEnvelope(hostile, open(hostile, "pay-d"));
        wipedSeeingOnly(f, three, hostile);
        f.world().run(Duration.ofSeconds(2)); // the boot session gives up on the silent peer
        Envelope boot = lastRequest(three);
        three.control(c -> {
            c.sync().checkpointGap(hostile.id());
            return "";
        });
        assertTrue(lastRequest(three) != boot && ((SyncRequest) lastRequest(three).body()).to().equals(hostile.id()),
                "the gap asked the proposer");
        int members = three.core().roster().size();
        int answered = 0;
        for (int page = 0; page < 3 * members && three.metrics().protocolRejects("bad_sync_cursor") == 0; page++) {
            answerLastRequest(f, three, hostile, List.of(item), String.format("c%04d", page));
            answered++;
        }
        assertEquals(1, three.metrics().protocolRejects("bad_sync_cursor"));
        assertEquals(members + 1, answered, "given up on after one page more than there are members");
    }

    /**
     * Only a gap's session is capped so: a full session's server may honestly need more pages than there are
     * members now (a pageSize of 1, finals of former members), and a full session is this node's own choice.
     */
    @Test
    void aFullSessionMayTakeMoreCheckpointPagesThanThereAreMembers() throws Exception {
        SimFederation f = syncFed(213, Duration.ofSeconds(5), "");
        SimNode three = f.node(3);
        SimNode hostile = f.node(6);
        Envelope item = DeliveryFixtures.openEnvelope(hostile, open(hostile, "pay-f"));
        wipedSeeingOnly(f, three, hostile);
        int members = three.core().roster().size();
        for (int page = 0; page < members + 3; page++) {
            answerLastRequest(f, three, hostile, List.of(item), String.format("c%04d", page));
        }
        assertEquals(0, three.metrics().protocolRejects("bad_sync_cursor"));
        assertEquals(String.format("c%04d", members + 2), ((SyncRequest) lastRequest(three).body()).cursor(),
                "the boot session still asks the same peer for the next page");
    }

    /** {@code hostile} answers {@code n}'s last sync request with a checkpoints page of {@code items}, next {@code next}. */
    private static void answerLastRequest(SimFederation f, SimNode n, SimNode hostile, List<Envelope> items, String next) {
        n.receiveRaw(n.topics().syncResponse(n.id()), hostile.sign(MessageType.SYNC_RESPONSE, new SyncResponse(n.id(), 0,
                SyncRequest.CHECKPOINTS, lastRequest(n).contentId(), items, next), f.world().now()).encode());
    }
}
