package io.quorumd.order;

import static io.quorumd.order.HostileMoves.aheadPrimaryPreparesSeqOne;
import static io.quorumd.order.HostileMoves.claim;
import static io.quorumd.order.HostileMoves.equivocateIntoViewOne;
import static io.quorumd.order.HostileMoves.fetch;
import static io.quorumd.order.HostileMoves.joinViewOne;
import static io.quorumd.order.HostileMoves.newView;
import static io.quorumd.order.HostileMoves.params;
import static io.quorumd.order.HostileMoves.refusedQuietly;
import static io.quorumd.order.HostileMoves.request;
import static io.quorumd.order.HostileMoves.vote;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.CanonicalJson;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderBatch;
import io.quorumd.wire.OrderCheckpoint;
import io.quorumd.wire.OrderCommitted;
import io.quorumd.wire.OrderFetch;
import io.quorumd.wire.OrderItem;
import io.quorumd.wire.OrderPreprepare;
import io.quorumd.wire.OrderViewChange;
import io.quorumd.wire.OrderViewProof;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What one hostile replica, client or peer can make a correct replica do with a handful of well-signed
 * messages: every such message is a counted refusal that changes nothing and publishes nothing.
 */
class OrderHostileTest {
    private static final String D = "ab".repeat(32);

    private static OrderViewChange.Prepared prepared(long seq) {
        return new OrderViewChange.Prepared(seq, 0, D);
    }

    // ------------------------------------------------------------------ new-view claims

    @Test
    void aNewViewWhoseClaimPreparesTheLargestWireSeqIsRefusedWithoutPlanning() {
        OrderSim sim = OrderSim.of(101, 4);
        OrderSim.Node r = sim.node(2);
        joinViewOne(sim, 2);
        assertTrue(r.replica.changingView());
        long top = CanonicalJson.MAX_SAFE_INTEGER;
        List<Envelope> claims = List.of(claim(sim, 0, 1, 0, List.of(prepared(top))), claim(sim, 1, 1, 0, List.of()),
                claim(sim, 3, 1, 0, List.of()));
        Envelope nv = newView(sim, 1, 1, claims, List.of());
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> r.replica.onMessage(nv));
        assertEquals(1, r.journal.refused("invalid_new_view"));
        assertTrue(r.journal.lastDetail.get("invalid_new_view").length() < 200);
    }

    @Test
    void aNewViewWhoseClaimPreparesFarAboveItsStableSeqIsRefusedWithAShortDetail() {
        OrderSim sim = OrderSim.of(102, 4);
        OrderSim.Node r = sim.node(2);
        joinViewOne(sim, 2);
        List<Envelope> claims = List.of(claim(sim, 0, 1, 0, List.of(prepared(2_000_000))), claim(sim, 1, 1, 0, List.of()),
                claim(sim, 3, 1, 0, List.of()));
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> r.replica.onMessage(newView(sim, 1, 1, claims, List.of())));
        assertEquals(1, r.journal.refused("invalid_new_view"));
        String detail = r.journal.lastDetail.get("invalid_new_view");
        assertTrue(detail.length() < 200 && detail.contains("outside"), "detail of " + detail.length() + " chars");
    }

    @Test
    void thePlanOfClaimsNearLongMaxEndsThereAndRefusesClaimsOutOfBounds() {
        OrderParams params = OrderParams.defaults();
        long top = Long.MAX_VALUE - Long.MAX_VALUE % params.checkpointEvery();
        OrderViewChange high = new OrderViewChange(0, 1, new OrderViewChange.Stable(top, D), List.of(prepared(Long.MAX_VALUE)));
        NewViewRules.Plan plan = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> NewViewRules.plan(List.of(high), params, 0));
        assertEquals(List.of(top + 1, top + 2), plan.nulls());
        assertEquals(Long.MAX_VALUE, plan.maxS());
        OrderViewChange atMax = new OrderViewChange(0, 1, new OrderViewChange.Stable(Long.MAX_VALUE, D), List.of());
        assertTrue(NewViewRules.claimBounds(atMax, params, 0).isPresent());
        assertThrows(IllegalArgumentException.class, () -> NewViewRules.plan(List.of(atMax), params, 0));
    }

    @Test
    void viewChangeClaimsOffTheCheckpointGridOrAboveTheirWindowAreRefused() {
        OrderSim sim = OrderSim.of(103, 4);
        OrderSim.Node r = sim.node(2);
        long window = sim.params.window();
        r.replica.onMessage(claim(sim, 0, 1, 3, List.of()));
        r.replica.onMessage(claim(sim, 3, 1, 0, List.of(prepared(window + 1))));
        assertEquals(2, r.journal.refused("outside_window"));
        assertFalse(r.replica.changingView(), "two claims out of bounds made it join view 1");
    }

    // ------------------------------------------------------------------ new views that must not move the view

    @Test
    void aNewViewFromAReplicaThatIsNotItsPrimaryIsRefusedAndMovesNothing() {
        OrderSim sim = OrderSim.of(111, 4);
        OrderSim.Node r = sim.node(2);
        int before = r.sent.size();
        r.replica.onMessage(newView(sim, 3, 16, List.of(), List.of()));
        assertEquals(1, r.journal.refused("not_primary"));
        assertEquals(0, r.replica.view());
        assertFalse(r.replica.changingView());
        assertEquals(before, r.sent.size(), "a refused new view made the replica publish");
    }

    @Test
    void aFloodOfBadNewViewsLeavesTheViewWhereItIs() {
        OrderSim sim = OrderSim.of(112, 4);
        OrderSim.Node r = sim.node(2);
        for (int i = 0; i < 200; i++) {
            long view = 1 + i % ViewChanges.VIEWS_AHEAD;
            int from = i % 2 == 0 || view % 4 == 2 ? 3 : (int) (view % 4); // the primary of the view, or not
            r.replica.onMessage(newView(sim, from, view, List.of(), List.of()));
        }
        assertEquals(0, r.replica.view());
        assertFalse(r.replica.changingView());
        assertEquals(200, r.journal.refused("not_primary") + r.journal.refused("invalid_new_view"));
        assertEquals(0, r.sent.size());
    }

    @Test
    void aBadNewViewFromThePrimaryOfAViewNotBeingChangedToIsRefusedWithoutAViewChange() {
        OrderSim sim = OrderSim.of(113, 4);
        OrderSim.Node r = sim.node(2);
        r.replica.onMessage(newView(sim, 0, 4, List.of(), List.of()));
        assertEquals(1, r.journal.refused("invalid_new_view"));
        assertEquals(0, r.replica.view());
        joinViewOne(sim, 2);
        int before = r.sent.size();
        r.replica.onMessage(newView(sim, 1, 2, List.of(), List.of()));
        assertEquals(1, r.replica.view(), "a bad new view for view 2 moved a replica changing to view 1");
        assertEquals(before, r.sent.size());
        r.replica.onMessage(newView(sim, 1, 1, List.of(), List.of()));
        assertEquals(2, r.replica.view(), "a bad new view from the primary it is changing to must move it on");
    }

    // ------------------------------------------------------------------ pending requests and the view timer

    @Test
    void aRequestWithLessThanAViewTimeoutOfItsTtlLeftIsRefused() {
        OrderSim sim = OrderSim.of(121, 4);
        OrderSim.Node r = sim.node(2);
        long now = sim.world.now();
        r.replica.onRequest(request(sim, now - sim.params.requestTtl().toMillis() + 5_000, 1));
        assertFalse(r.replica.viewTimerArmed(), "a request about to expire armed the view timer");
        assertEquals(1, r.journal.refused("bad_request"));
        sim.world.run(Duration.ofMinutes(1));
        assertTrue(r.journal.changeStarted.isEmpty(), "an expiring request started a view change");
    }

    @Test
    void aPendingRequestThatExpiresDisarmsTheViewTimer() {
        OrderSim sim = OrderSim.of(122, 4);
        equivocateIntoViewOne(sim);
        OrderSim.Node r = sim.node(2);
        long now = sim.world.now();
        r.replica.onRequest(request(sim, now - sim.params.requestTtl().toMillis() + 15_000, 1));
        assertTrue(r.replica.viewTimerArmed());
        sim.world.run(Duration.ofSeconds(17));
        assertFalse(r.replica.viewTimerArmed(), "the view timer stayed armed with nothing pending");
        assertEquals(1, r.journal.refused("request_expired"));
        sim.world.run(Duration.ofMinutes(1));
        assertEquals(1, r.replica.view());
        assertFalse(r.journal.changeStarted.containsKey(2L));
    }

    @Test
    void theViewTimerDropsExpiredRequestsBeforeItChangesTheView() {
        OrderParams slowTicks = params(Duration.ofMinutes(5), Duration.ofSeconds(5), Duration.ofHours(1));
        OrderSim sim = new OrderSim(123, 4, slowTicks);
        equivocateIntoViewOne(sim);
        OrderSim.Node r = sim.node(2);
        long now = sim.world.now();
        r.replica.onRequest(request(sim, now - slowTicks.requestTtl().toMillis() + 15_000, 1));
        sim.world.run(Duration.ofSeconds(30));
        assertFalse(r.replica.changingView(), "an expired request started a view change");
        assertEquals(1, r.replica.view());
        assertEquals(1, r.journal.refused("request_expired"));
    }

    // ------------------------------------------------------------------ evidence

    @Test
    void aReplicaThatKeepsEquivocatingLeavesOneEvidenceRecordPerSlot() {
        OrderSim sim = OrderSim.of(131, 4);
        OrderSim.Node r = sim.node(2);
        Random random = new Random(131);
        int rounds = 20;
        for (int i = 0; i < rounds; i++) {
            String d = OrderSim.randomDigest(random);
            r.replica.onMessage(vote(sim, 3, MessageType.ORDER_PREPARE, 0, 1, d));
            r.replica.onMessage(vote(sim, 3, MessageType.ORDER_COMMIT, 0, 2, d));
            r.replica.onMessage(sim.resign(sim.node(3), MessageType.ORDER_CHECKPOINT, new OrderCheckpoint(0, 4, d)));
            r.replica.onMessage(sim.resign(sim.node(3), MessageType.ORDER_VIEWCHANGE,
                    new OrderViewChange(0, 1, new OrderViewChange.Stable(0, d), List.of())));
        }
        assertEquals(4, r.journal.evidence.size(), "one evidence pair per signer, kind, view and seq");
        assertEquals(4, r.journal.refused("equivocation"));
        assertEquals(4 * (rounds - 2), r.journal.refused("evidence_held"));
    }

    // ------------------------------------------------------------------ answers to peers

    @Test
    void onePeerCannotSpendTheFetchAnswersOfAnother() {
        OrderSim sim = OrderSim.of(141, 4);
        sim.submit();
        assertTrue(sim.runUntil(Duration.ofSeconds(10), () -> sim.allExecuted(1)));
        OrderSim.Node r = sim.node(1);
        Random random = new Random(141);
        int flood = 3 * Replica.FETCH_ANSWERS_PER_TICK;
        for (int i = 0; i < flood; i++) {
            r.replica.onMessage(fetch(sim, 3, 1, OrderSim.randomDigest(random)));
        }
        Envelope wanted = fetch(sim, 2, 1, sim.node(2).executed().get(1L));
        int before = r.sent.size();
        r.replica.onMessage(wanted);
        assertTrue(r.sent.size() > before, "node-2's fetch went unanswered after node-3's flood");
        assertEquals(flood - Replica.FETCH_ANSWERS_PER_TICK, r.journal.refused("budget_spent"));
        int answered = r.sent.size();
        r.replica.onMessage(wanted);
        assertEquals(answered, r.sent.size(), "an identical fetch was answered twice in one tick");
        assertEquals(1, r.journal.refused("duplicate"));
    }

    @Test
    void oldViewChangesGetTheNewViewAtMostOncePerTick() {
        OrderSim sim = OrderSim.of(142, 4);
        sim.node(0).tamper = (from, to, topic, env) -> List.of();
        sim.submit();
        assertTrue(sim.runUntil(Duration.ofMinutes(2), () -> sim.allExecuted(1)));
        OrderSim.Node r = sim.node(3);
        Envelope old = sim.node(2).signed("order/viewchange/0/1").orElseThrow();
        long before = r.sentOf(MessageType.ORDER_NEWVIEW);
        for (int i = 0; i < 50; i++) {
            r.replica.onMessage(old);
        }
        assertEquals(before, r.sentOf(MessageType.ORDER_NEWVIEW), "old view changes made it publish at once");
        assertEquals(50, r.journal.refused("stale_view"));
        sim.world.run(sim.params.retransmitEvery());
        assertEquals(before + 1, r.sentOf(MessageType.ORDER_NEWVIEW));
    }

    @Test
    void votesForDigestsNobodyCertifiedNeverMakeAReplicaSignFetchesForThem() {
        OrderSim sim = OrderSim.of(143, 4);
        OrderSim.Node r = sim.node(2);
        long now = sim.world.now();
        OrderBatch batch = new OrderBatch(0, 1, now, List.of(new OrderItem(request(sim, now, 1), List.of())));
        r.replica.onMessage(sim.resign(sim.node(0), MessageType.ORDER_PREPREPARE, OrderPreprepare.of(0, batch)));
        Random random = new Random(143);
        for (long seq = 1; seq <= sim.params.window(); seq++) {
            String d = OrderSim.randomDigest(random);
            r.replica.onMessage(vote(sim, 3, MessageType.ORDER_PREPARE, 0, seq, d));
            r.replica.onMessage(vote(sim, 3, MessageType.ORDER_COMMIT, 0, seq, d));
        }
        sim.world.run(Duration.ofSeconds(5));
        for (OrderSim.Node x : sim.nodes) {
            for (Envelope e : x.sent) {
                if (e.body() instanceof OrderFetch f) {
                    assertTrue(f.digest().equals(batch.digest()) || f.digest().equals("0".repeat(64)),
                            "node-" + x.index + " fetched a digest nobody certified at seq " + f.seq());
                }
            }
        }
        for (OrderSim.Node x : sim.nodes) {
            for (String slot : x.slotNames()) {
                assertTrue(!slot.startsWith("order/fetch/") || slot.matches("order/fetch/0/[0-9]+/[0-9a-f]{64}"), slot);
            }
        }
    }

    // ------------------------------------------------------------------ nothing is ignored silently

    @Test
    void repeatedMessagesAreCountedRefusals() {
        OrderSim sim = OrderSim.of(151, 4);
        OrderSim.Node r = sim.node(2);
        long now = sim.world.now();
        Envelope req = request(sim, now, 1);
        r.replica.onRequest(req);
        refusedQuietly(r, req, "duplicate_request");
        Envelope pp = sim.resign(sim.node(0), MessageType.ORDER_PREPREPARE,
                OrderPreprepare.of(0, new OrderBatch(0, 1, now, List.of(new OrderItem(req, List.of())))));
        r.replica.onMessage(pp);
        refusedQuietly(r, pp, "duplicate");
        Envelope prepare = vote(sim, 3, MessageType.ORDER_PREPARE, 0, 2, D);
        r.replica.onMessage(prepare);
        refusedQuietly(r, prepare, "duplicate");
        Envelope cp = sim.resign(sim.node(3), MessageType.ORDER_CHECKPOINT, new OrderCheckpoint(0, 4, D));
        r.replica.onMessage(cp);
        refusedQuietly(r, cp, "duplicate");
        Envelope claim = claim(sim, 3, 1, 0, List.of());
        Envelope proof = sim.resign(sim.node(3), MessageType.ORDER_VIEWPROOF,
                new OrderViewProof(0, 1, claim.contentId(), List.of()));
        r.replica.onMessage(claim);
        refusedQuietly(r, claim, "duplicate");
        r.replica.onMessage(proof);
        refusedQuietly(r, proof, "duplicate");
        refusedQuietly(r, sim.resign(sim.node(3), MessageType.ORDER_VIEWPROOF,
                new OrderViewProof(0, 2 + ViewChanges.VIEWS_AHEAD, claim.contentId(), List.of())), "wrong_view");
    }

    @Test
    void staleMessagesAreCountedRefusals() {
        OrderSim sim = OrderSim.of(152, 4);
        for (int i = 0; i < sim.params.checkpointEvery(); i++) {
            sim.world.after(i * 200L, sim::submit);
        }
        assertTrue(sim.runUntil(Duration.ofSeconds(20), () -> sim.allExecuted(sim.params.checkpointEvery())
                && sim.nodes.stream().allMatch(x -> x.replica.lowWatermark() == sim.params.checkpointEvery())));
        OrderSim.Node r = sim.node(2);
        refusedQuietly(r, sim.node(3).signed("order/checkpoint/0/" + sim.params.checkpointEvery()).orElseThrow(),
                "outside_window");
        refusedQuietly(r, sim.node(0).signed("order/committed/0/1").orElseThrow(), "duplicate");
        OrderSim moved = OrderSim.of(153, 4);
        equivocateIntoViewOne(moved);
        OrderSim.Node m = moved.node(2);
        refusedQuietly(m, moved.node(3).signed("order/viewproof/0/1").orElseThrow(), "stale_view");
        refusedQuietly(m, moved.node(1).signed("order/newview/0/1").orElseThrow(), "stale_view");
    }

    // ------------------------------------------------------------------ commit proofs

    @Test
    void aCommitProofIsJudgedByItsCommitsBeforeAnyItemSignature() {
        OrderSim sim = OrderSim.of(161, 4);
        Envelope req = request(sim, sim.world.now(), 1);
        byte[] sig = req.sig().toArray();
        sig[5] ^= 1;
        Envelope forged = new Envelope(req.type(), req.from(), req.ts(), req.body(), Bytes.of(sig));
        OrderBatch batch = new OrderBatch(0, 1, sim.world.now(), List.of(new OrderItem(forged, List.of())));
        List<Envelope> two = List.of(vote(sim, 0, MessageType.ORDER_COMMIT, 0, 1, batch.digest()),
                vote(sim, 1, MessageType.ORDER_COMMIT, 0, 1, batch.digest()));
        Optional<String> few = CommitProofValidator.commitProof(sim.set,
                new OrderCommitted(0, 1, 0, batch.ts(), batch.items(), two), sim.params);
        assertEquals("2 order.commit envelopes, fewer than q = 3", few.orElseThrow());
        List<Envelope> three = new ArrayList<>(two);
        three.add(vote(sim, 2, MessageType.ORDER_COMMIT, 0, 1, batch.digest()));
        Optional<String> item = CommitProofValidator.commitProof(sim.set,
                new OrderCommitted(0, 1, 0, batch.ts(), batch.items(), three), sim.params);
        assertTrue(item.orElseThrow().startsWith("item "), item.get());
    }

    // ------------------------------------------------------------------ a new primary's ts floor

    @Test
    void aNewPrimaryStampsItsFirstBatchAfterTheBatchItReProposes() {
        OrderParams wideSkew = params(Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(1));
        OrderSim sim = new OrderSim(171, 4, wideSkew);
        aheadPrimaryPreparesSeqOne(sim, 25_000);
        sim.cut = (f, t, e) -> e.type() == MessageType.ORDER_COMMIT && OrderSim.vote(e).seq() == 1;
        sim.submit();
        assertTrue(sim.runUntil(Duration.ofSeconds(5), () -> sim.correct().stream()
                .allMatch(x -> x.signed("order/commit/0/0/1").isPresent())), "seq 1 did not prepare");
        sim.node(0).crashed = true;
        sim.submit();
        boolean second = sim.runUntil(Duration.ofSeconds(30), () -> sim.node(2).signed("order/prepare/0/1/2").isPresent());
        assertTrue(second, "the new primary's first batch was refused: bad_ts " + sim.node(2).journal.refused("bad_ts"));
        sim.cut = (f, t, e) -> false;
        assertTrue(sim.runUntil(Duration.ofMinutes(1), () -> sim.allExecuted(2)));
        assertTrue(sim.violations.isEmpty(), sim.violations.toString());
    }

    // ------------------------------------------------------------------ claims of views left behind

    @Test
    void claimsOfViewsLeftBehindAreDroppedEvenWhenNoViewIsEntered() {
        OrderParams shortTimers = params(Duration.ofSeconds(20), Duration.ofSeconds(5), Duration.ofSeconds(1));
        OrderSim sim = new OrderSim(181, 4, shortTimers);
        sim.node(0).tamper = (from, to, topic, env) -> List.of();
        sim.cut = (f, t, e) -> e.type() == MessageType.ORDER_VIEWPROOF; // no claim ever counts: no new view
        sim.submit();
        sim.world.run(Duration.ofMinutes(10));
        for (OrderSim.Node x : sim.correct()) {
            assertTrue(x.replica.view() > 10, "node-" + x.index + " only reached view " + x.replica.view());
            assertTrue(x.replica.heldClaims() <= 2 * sim.nodes.size(),
                    "node-" + x.index + " holds " + x.replica.heldClaims() + " claims in view " + x.replica.view());
        }
    }
}
