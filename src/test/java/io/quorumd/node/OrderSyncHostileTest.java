package io.quorumd.node;

import static io.quorumd.node.OrderCatchUpTest.awayReplica;
import static io.quorumd.node.OrderCatchUpTest.noops;
import static io.quorumd.node.OrderCatchUpTest.orderRequests;
import static io.quorumd.node.OrderCatchUpTest.state;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderCommitted;
import io.quorumd.wire.SyncRequest;
import io.quorumd.wire.SyncResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sync selector {@code order} against hostile members: a peer that serves forged, old, duplicate or skipped
 * batches changes nothing and makes the asker publish nothing (each batch is refused by the validator live
 * input meets, and counted), and cannot make it ask again and again; a member that asks from seq 0 a
 * thousand times meets the per-member rate limit; a since beyond every seq gets an empty page.
 */
class OrderSyncHostileTest {
    @TempDir
    Path dir;

    private SimFederation started(long seed) throws Exception {
        SimFederation f = SimFederation.started(seed, dir, SimFederation.Options.fast(4).withReplicas(4), 20);
        f.world().run(Duration.ofSeconds(5));
        return f;
    }

    /** The committed batch at {@code seq} as node-1 executed it. */
    private static OrderCommitted committed(SimFederation f, long seq) {
        return f.node(1).core().ordering().orElseThrow().history().recent(seq).committed;
    }

    private static Envelope lastRequest(SimNode n) {
        List<Envelope> requests = n.published().stream().filter(e -> e.type() == MessageType.SYNC_REQUEST).toList();
        return requests.get(requests.size() - 1);
    }

    /**
     * Answers {@code asker}'s pending request as the peer it asked (whose key signs anything): its selector
     * {@code order} with {@code page}, any other with an empty page, until the order page went; returns the order
     * request it answered.
     */
    private static Envelope answer(SimFederation f, SimNode asker, List<Envelope> page) {
        for (int i = 0; i < 5; i++) {
            Envelope request = lastRequest(asker);
            SyncRequest r = (SyncRequest) request.body();
            SimNode peer = f.nodes().stream().filter(n -> n.id().equals(r.to())).findFirst().orElseThrow();
            boolean order = r.selector().equals(SyncRequest.ORDER);
            Envelope response = peer.sign(MessageType.SYNC_RESPONSE, new SyncResponse(asker.id(), 0, r.selector(),
                    request.contentId(), order ? page : List.of(), ""), f.world().now());
            asker.receiveRaw(asker.topics().syncResponse(asker.id()), response.encode());
            if (order) {
                return request;
            }
        }
        throw new AssertionError("no order request came");
    }

    private static boolean isOrderRequest(Envelope e) {
        return ((SyncRequest) e.body()).selector().equals(SyncRequest.ORDER);
    }

    private static long orderPublished(SimNode n) {
        return n.published().stream().filter(e -> e.type().wireName().startsWith("order.")).count();
    }

    @Test
    void forgedOldAndDuplicateBatchesChangeNothingAndNothingIsPublished() throws Exception {
        SimFederation f = started(61);
        SimWorld w = f.world();
        noops(f, 6, "n-");
        SimNode victim = f.node(4);
        SimNode server = f.node(3);
        assertTrue(w.runUntil(Duration.ofSeconds(10), () -> state(victim).lastSeq() == 6));
        String digest = state(victim).digest();

        OrderCommitted six = committed(f, 6);
        // the commits of seq 6 over a batch claimed for seq 7: the recomputed digest is not theirs
        OrderCommitted forged = new OrderCommitted(six.epoch(), 7, six.view(), six.ts() + 1, six.items(), six.commits());
        OrderCommitted old = committed(f, 3);
        List<Envelope> page = List.of(server.sign(MessageType.ORDER_COMMITTED, forged, w.now()),
                server.sign(MessageType.ORDER_COMMITTED, old, w.now()), server.sign(MessageType.ORDER_COMMITTED, old, w.now()));

        f.bus().partition((r, e) -> r == victim && e.type() == MessageType.SYNC_RESPONSE); // the daemon's own pages lost
        victim.control(c -> c.sync().now(Optional.of(server.id())));
        long invalid = victim.metrics().protocolRejects("invalid_commit_proof");
        long duplicate = victim.metrics().protocolRejects("duplicate");
        long publishedBefore = orderPublished(victim);
        answer(f, victim, page);
        long publishedAfter = orderPublished(victim);
        f.bus().partition((r, e) -> false);

        assertEquals(invalid + 1, victim.metrics().protocolRejects("invalid_commit_proof"), "the forged batch");
        assertEquals(duplicate + 2, victim.metrics().protocolRejects("duplicate"), "the old batch, twice");
        assertEquals(6, state(victim).lastSeq());
        assertEquals(digest, state(victim).digest(), "no state change");
        assertEquals(publishedBefore, publishedAfter, "nothing published on their account");
        assertEquals(1, victim.metrics().protocolRejects("sync_stalled"), "a forged next batch: the selector ends there");
    }

    /**
     * Every peer asked (three: hostile, or their ledgers began later) answers {@code order} with batches that skip
     * the asker's next seq: each is a {@code sync_stalled}, and a gap does not ask again from that seq for
     * {@code SyncService.STALL_HOLD} (not once a minute), but does afterwards: an unfillable gap is not asked
     * about forever, and catch-up is not given up for good.
     */
    @Test
    void peersThatAllSkipBatchesStallTheSelectorAndAGapAsksAgainOnlyAfterAHold() throws Exception {
        SimFederation f = started(62);
        SimWorld w = f.world();
        noops(f, 3, "before-");
        SimNode victim = awayReplica(f);
        assertTrue(w.runUntil(Duration.ofSeconds(10), () -> state(victim).lastSeq() == 3));
        victim.stop();
        noops(f, 30, "away-");
        long target = state(f.node(1)).lastSeq();

        f.bus().partition((r, e) -> r == victim && e.type() == MessageType.SYNC_RESPONSE);
        long asked = syncRequests(victim);
        victim.start();
        assertTrue(w.runUntil(Duration.ofSeconds(10), () -> syncRequests(victim) > asked), "the boot sync asks");
        List<Envelope> skipping = new ArrayList<>();
        for (long seq = 20; seq < 30; seq++) { // 4..19 left out
            skipping.add(f.node(1).sign(MessageType.ORDER_COMMITTED, committed(f, seq), w.now()));
        }
        int peers = 0;
        while (peers < 3) { // each peer asked in turn answers so (three, or as many as the asker sees online)
            Envelope answered = answer(f, victim, skipping);
            peers++;
            if (!w.runUntil(Duration.ofMillis(100), () -> lastRequest(victim) != answered
                    && isOrderRequest(lastRequest(victim)))) {
                break;
            }
        }
        assertTrue(peers >= 2, "a stalled peer is replaced by the next");
        assertEquals(peers, victim.metrics().protocolRejects("sync_stalled"), "each peer asked stalled");
        assertEquals(3, state(victim).lastSeq(), "nothing executed");
        long afterStall = orderRequests(victim);

        // live input that shows the gap again: a committed batch far beyond its window, and time passing
        Envelope far = f.node(1).sign(MessageType.ORDER_COMMITTED, committed(f, 25), w.now());
        victim.receiveRaw(victim.topics().orderFinal(), far.encode());
        w.run(Duration.ofMinutes(3));
        assertEquals(afterStall, orderRequests(victim), "stalled at seq 4: not asked again from there for a while");
        assertEquals(3, state(victim).lastSeq());

        // past the hold, the gap asks again, and an honest peer serves
        w.run(Duration.ofMinutes(3));
        f.bus().partition((r, e) -> false);
        victim.receiveRaw(victim.topics().orderFinal(), f.node(1).sign(MessageType.ORDER_COMMITTED, committed(f, 26),
                w.now()).encode());
        assertTrue(w.runUntil(Duration.ofSeconds(30), () -> state(victim).lastSeq() == target),
                "at " + state(victim).lastSeq() + " of " + target);
        assertEquals(state(f.node(1)).digest(), state(victim).digest());
    }

    /**
     * A replica cut off while the others execute 30 batches sees, once the network heals, that it lags and asks a
     * peer for {@code order}; that peer, hostile, answers with a batch of its own making at the asker's next seq.
     * The page moves the asker no further ({@code sync_stalled}), and the asker asks another peer for the batches
     * instead of giving up on catching up until its next restart.
     */
    @Test
    void aForgedNextBatchFromOnePeerDoesNotStopCatchUpAnotherPeerIsAsked() throws Exception {
        SimFederation f = started(65);
        SimWorld w = f.world();
        noops(f, 3, "before-");
        SimNode victim = awayReplica(f);
        assertTrue(w.runUntil(Duration.ofSeconds(10), () -> state(victim).lastSeq() == 3));
        w.run(Duration.ofSeconds(30)); // its boot sync is long over
        f.bus().partition((r, e) -> r == victim);
        noops(f, 30, "away-");
        long target = state(f.node(1)).lastSeq();

        long asked = orderRequests(victim);
        f.bus().partition((r, e) -> r == victim && e.type() == MessageType.SYNC_RESPONSE);
        assertTrue(w.runUntil(Duration.ofSeconds(30), () -> orderRequests(victim) > asked), "the gap asks");
        SimNode hostile = peerAsked(f, victim);
        f.bus().partition((r, e) -> r == victim && e.type() == MessageType.SYNC_RESPONSE && e.from().equals(hostile.id()));
        OrderCommitted four = committed(f, 4);
        OrderCommitted forged = new OrderCommitted(four.epoch(), 4, four.view(), four.ts() + 1, four.items(), four.commits());
        answer(f, victim, List.of(hostile.sign(MessageType.ORDER_COMMITTED, forged, w.now())));
        assertEquals(1, victim.metrics().protocolRejects("sync_stalled"));
        assertEquals(3, state(victim).lastSeq());

        assertTrue(w.runUntil(Duration.ofSeconds(60), () -> state(victim).lastSeq() == target),
                "at " + state(victim).lastSeq() + " of " + target + ": no other peer was asked");
        assertEquals(state(f.node(1)).digest(), state(victim).digest());
    }

    private static SimNode peerAsked(SimFederation f, SimNode asker) {
        SyncRequest r = (SyncRequest) lastRequest(asker).body();
        return f.nodes().stream().filter(n -> n.id().equals(r.to())).findFirst().orElseThrow();
    }

    private static long syncRequests(SimNode n) {
        return n.published().stream().filter(e -> e.type() == MessageType.SYNC_REQUEST).count();
    }

    @Test
    void aThousandRequestsFromSeqZeroMeetTheRateLimit() throws Exception {
        SimFederation f = started(63);
        SimWorld w = f.world();
        noops(f, 5, "n-");
        SimNode server = f.node(1);
        SimNode greedy = f.node(3);
        int limit = server.config().sync().requestsPerMinute();
        long answeredBefore = answers(server, greedy);
        for (int i = 0; i < 1000; i++) {
            Envelope request = greedy.sign(MessageType.SYNC_REQUEST, new SyncRequest(server.id(), 0, SyncRequest.ORDER, 0, ""),
                    w.now() - i);
            server.receiveRaw(server.topics().syncRequest(server.id()), request.encode());
        }
        long answered = answers(server, greedy) - answeredBefore;
        assertTrue(answered <= limit, answered + " pages answered, more than " + limit + " a minute");
        assertTrue(server.metrics().protocolRejects("sync_rate") >= 1000 - limit, "the rest refused and counted");
        SyncResponse page = (SyncResponse) lastAnswer(server, greedy).body();
        assertEquals(5, page.envelopes().stream().filter(e -> e.type() == MessageType.ORDER_COMMITTED).count(),
                "from seq 0: every batch held");
    }

    @Test
    void aSinceBeyondEverySeqGetsAnEmptyLastPage() throws Exception {
        SimFederation f = started(64);
        SimWorld w = f.world();
        noops(f, 3, "n-");
        SimNode server = f.node(1);
        SimNode asker = f.node(2);
        Envelope request = asker.sign(MessageType.SYNC_REQUEST, new SyncRequest(server.id(), 0, SyncRequest.ORDER,
                (1L << 53) - 1, ""), w.now());
        server.receiveRaw(server.topics().syncRequest(server.id()), request.encode());
        SyncResponse page = (SyncResponse) lastAnswer(server, asker).body();
        assertEquals(request.contentId(), page.request());
        assertEquals(List.of(), page.envelopes());
        assertEquals("", page.next());
    }

    private static long answers(SimNode server, SimNode to) {
        return server.published().stream().filter(e -> e.type() == MessageType.SYNC_RESPONSE
                && ((SyncResponse) e.body()).to().equals(to.id())).count();
    }

    private static Envelope lastAnswer(SimNode server, SimNode to) {
        List<Envelope> all = server.published().stream().filter(e -> e.type() == MessageType.SYNC_RESPONSE
                && ((SyncResponse) e.body()).to().equals(to.id())).toList();
        return all.get(all.size() - 1);
    }
    /**
     * A restarted replica catching up: the hostile member answers checkpoints and disputes empty and stalls
     * {@code order} with a forged next batch whenever it is asked; the honest peers' pages of the other selectors
     * are lost, so an honest peer only ever takes {@code order} over part way. Such a peer served one selector and
     * vouches for nobody (else the hostile member's empty pages plus those hand-overs would make the node caught up
     * with no honest peer having served it the disputes).
     */
    @Test
    void aPeerThatTakesOverAStalledSelectorPartWayVouchesForNobody() throws Exception {
        SimFederation f = started(66);
        SimWorld w = f.world();
        noops(f, 3, "before-");
        SimNode victim = f.node(4);
        victim.crash();
        f.bus().partition((r, e) -> r == victim && e.type() == MessageType.SYNC_RESPONSE);
        victim.start();
        assertTrue(w.runUntil(Duration.ofSeconds(30), () -> syncRequests(victim) > 0), "the boot sync asks");
        SimNode hostile = peerAsked(f, victim);
        f.bus().partition((r, e) -> r == victim && e.type() == MessageType.SYNC_RESPONSE // honest peers serve order only
                && (e.from().equals(hostile.id()) || !((SyncResponse) e.body()).selector().equals(SyncRequest.ORDER)));
        java.util.Set<String> answered = new java.util.HashSet<>();
        w.runUntil(Duration.ofMinutes(3), () -> {
            for (Envelope req : List.copyOf(victim.published())) {
                if (req.type() != MessageType.SYNC_REQUEST || !((SyncRequest) req.body()).to().equals(hostile.id())
                        || !answered.add(req.contentId())) {
                    continue;
                }
                SyncRequest r = (SyncRequest) req.body();
                List<Envelope> page = List.of();
                if (r.selector().equals(SyncRequest.ORDER)) {
                    long at = state(f.node(1)).lastSeq();
                    OrderCommitted last = committed(f, at);
                    page = List.of(hostile.sign(MessageType.ORDER_COMMITTED, new OrderCommitted(last.epoch(), at + 1,
                            last.view(), last.ts() + 1, last.items(), last.commits()), w.now())); // another's proof
                }
                victim.receiveRaw(victim.topics().syncResponse(victim.id()), hostile.sign(MessageType.SYNC_RESPONSE,
                        new SyncResponse(victim.id(), 0, r.selector(), req.contentId(), page, ""), w.now()).encode());
            }
            return false;
        });
        assertTrue(victim.metrics().protocolRejects("sync_stalled") >= 1, "the hostile member stalled order");
        assertEquals(0, victim.core().sync().vouchedNow(), "a peer that took order over served no whole session");
        assertFalse(victim.core().sync().caughtUp());
    }
}
