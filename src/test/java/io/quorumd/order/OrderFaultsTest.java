package io.quorumd.order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.Bytes;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderBatch;
import io.quorumd.wire.OrderCommitted;
import io.quorumd.wire.OrderFetch;
import io.quorumd.wire.OrderItem;
import io.quorumd.wire.OrderNewView;
import io.quorumd.wire.OrderPreprepare;
import io.quorumd.wire.OrderVote;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Byzantine and crashed primaries: scenarios of wave2 §13's acceptance list. */
class OrderFaultsTest {
    private static boolean executedEverywhere(OrderSim sim, int total) {
        return sim.allExecuted(total);
    }

    @Test
    void equivocatingPrimaryIsCaughtAndTheRequestCommitsInTheNextView() {
        OrderSim sim = OrderSim.of(7, 4);
        OrderSim.Node primary = sim.node(0);
        primary.tamper = (from, to, topic, env) -> {
            if (env.type() == MessageType.ORDER_COMMITTED
                    || env.type() == MessageType.ORDER_COMMIT && OrderSim.vote(env).view() == 0) {
                return List.of(); // the faulty primary's own commit would complete view 0: keep it to itself
            }
            if (to != 3) {
                return List.of(env);
            }
            if (env.body() instanceof OrderPreprepare pp && pp.view() == 0) {
                return List.of(sim.resign(from, MessageType.ORDER_PREPREPARE,
                        OrderPreprepare.of(0, new OrderBatch(0, pp.seq(), pp.ts() + 1, pp.items()))));
            }
            if (env.type() == MessageType.ORDER_PREPARE && OrderSim.vote(env).view() == 0) {
                OrderVote v = OrderSim.vote(env);
                Envelope pp = primary.signed("order/preprepare/0/0/" + v.seq()).orElseThrow();
                OrderPreprepare p = (OrderPreprepare) pp.body();
                String d2 = new OrderBatch(0, p.seq(), p.ts() + 1, p.items()).digest();
                return List.of(sim.resign(from, MessageType.ORDER_PREPARE, new OrderVote(0, 0, v.seq(), d2)));
            }
            return List.of(env);
        };
        sim.submit();
        assertTrue(sim.runUntil(Duration.ofMinutes(2), () -> executedEverywhere(sim, 1)));
        assertTrue(sim.violations.isEmpty(), sim.violations.toString());
        // node-3 holds d2 and sees f + 1 prepares for d1: it fetches d1 and so holds both pre-prepares
        OrderSim.Node fooled = sim.node(3);
        assertEquals(1, fooled.journal.refused("conflicting_preprepare"));
        Envelope[] pair = fooled.journal.evidence.get(0);
        assertTrue(pair[0].type() == MessageType.ORDER_PREPREPARE && pair[1].type() == MessageType.ORDER_PREPREPARE);
        assertNotEquals(((OrderPreprepare) pair[0].body()).digest(), ((OrderPreprepare) pair[1].body()).digest());
        for (OrderSim.Node x : sim.correct()) {
            assertTrue(x.replica.view() >= 1, "node-" + x.index + " stayed in view 0");
        }
        String d = sim.node(1).executed().get(1L);
        sim.correct().forEach(x -> assertEquals(d, x.executed().get(1L)));
    }

    @Test
    void silentPrimaryIsReplacedAfterTheViewTimeout() {
        OrderSim sim = OrderSim.of(8, 4);
        sim.node(0).tamper = (from, to, topic, env) -> List.of();
        long start = sim.world.now();
        sim.submit();
        assertTrue(sim.runUntil(Duration.ofMinutes(2), () -> executedEverywhere(sim, 1)));
        for (OrderSim.Node x : sim.correct()) {
            long changed = x.journal.changeStarted.get(1L) - start;
            assertTrue(changed >= 10_000 && changed < 10_200, "view change after " + changed + " ms");
            assertEquals(1, x.replica.view());
        }
    }

    /**
     * The primary commits but its {@code order.committed} never leaves: the replica right after it publishes the
     * batch after one retransmit tick, the others do not; when the primary's does leave, no backup publishes.
     */
    @Test
    void aCommittedBatchThePrimaryNeverAnnouncesIsAnnouncedByTheNextReplicaOnly() {
        OrderSim sim = OrderSim.of(21, 4);
        sim.node(0).tamper = (from, to, topic, env) -> env.type() == MessageType.ORDER_COMMITTED ? List.of() : List.of(env);
        sim.submit();
        assertTrue(sim.runUntil(Duration.ofMinutes(1), () -> executedEverywhere(sim, 1)));
        sim.world.run(Duration.ofSeconds(5));
        assertEquals(1, sim.node(1).sentOf(MessageType.ORDER_COMMITTED), "rank 1 announces it");
        assertEquals(0, sim.node(2).sentOf(MessageType.ORDER_COMMITTED), "rank 2 heard rank 1's announcement");
        assertEquals(0, sim.node(3).sentOf(MessageType.ORDER_COMMITTED), "rank 3 heard rank 1's announcement");

        OrderSim quiet = OrderSim.of(22, 4);
        quiet.submit();
        assertTrue(quiet.runUntil(Duration.ofMinutes(1), () -> executedEverywhere(quiet, 1)));
        quiet.world.run(Duration.ofSeconds(5));
        assertEquals(1, quiet.node(0).sentOf(MessageType.ORDER_COMMITTED), "the primary announces it");
        for (int i = 1; i < 4; i++) {
            assertEquals(0, quiet.node(i).sentOf(MessageType.ORDER_COMMITTED), "node-" + i + " heard the primary");
        }
    }

    /**
     * The grace of rank r is r whole retransmit ticks: a backup whose first tick after executing a batch comes
     * before the primary's announcement of it (up to a broker delay after the primary executed) waits for the next
     * one, so where the primary announces every batch, a backup publishes a batch only to answer a fetch for it,
     * however the ticks fall.
     */
    @Test
    void aPrimaryThatAnnouncesEveryBatchIsTheOnlyOneWhoseTicksFallBetween() {
        OrderSim sim = OrderSim.of(23, 4);
        sim.maxDelayMs = 150;
        for (int i = 1; i <= 40; i++) {
            sim.submit();
            int total = i;
            assertTrue(sim.runUntil(Duration.ofMinutes(1), () -> executedEverywhere(sim, total)));
            sim.world.run(Duration.ofMillis(1_000 + 37L * i)); // batches executed at every phase of the ticks
        }
        sim.world.run(Duration.ofSeconds(5));
        for (OrderSim.Node backup : sim.nodes) {
            if (backup.key.nodeId().equals(sim.set.primary(0))) {
                continue;
            }
            Set<Long> fetched = backup.seen.stream().filter(e -> e.type() == MessageType.ORDER_FETCH)
                    .map(e -> ((OrderFetch) e.body()).seq()).collect(Collectors.toSet());
            List<Long> announced = backup.sent.stream().filter(e -> e.type() == MessageType.ORDER_COMMITTED)
                    .map(e -> ((OrderCommitted) e.body()).seq()).filter(seq -> !fetched.contains(seq)).toList();
            assertEquals(List.of(), announced, "node-" + backup.index + " announced these after the primary did");
        }
    }

    /**
     * A replica sends a replica that has not heard the batch announced yet (the primary fell silent) announcement
     * after announcement of it with the genuine commits first and a last one whose signature does not verify:
     * each would cost q signature checks. The first is counted as an invalid proof; the others from that replica
     * for that seq are duplicates, checked no more. The backup still announces the batch itself.
     */
    @Test
    void anInvalidAnnouncementOfAHeldBatchCostsItsChecksOncePerSender() {
        OrderSim sim = OrderSim.of(24, 4);
        sim.node(0).tamper = (from, to, topic, env) -> env.type() == MessageType.ORDER_COMMITTED ? List.of() : List.of(env);
        sim.submit();
        assertTrue(sim.runUntil(Duration.ofMinutes(1), () -> executedEverywhere(sim, 1)));
        OrderSim.Node hostile = sim.node(3);
        OrderSim.Node target = sim.node(2);
        List<Envelope> commits = new ArrayList<>();
        for (int i : new int[] {0, 1}) {
            commits.add(sim.node(i).signed("order/commit/0/0/1").orElseThrow());
        }
        Envelope own = hostile.signed("order/commit/0/0/1").orElseThrow();
        byte[] sig = own.sig().toArray();
        sig[0] ^= 1;
        commits.add(new Envelope(own.type(), own.from(), own.ts(), own.body(), Bytes.of(sig)));
        OrderPreprepare pp = (OrderPreprepare) sim.node(0).signed("order/preprepare/0/0/1").orElseThrow().body();
        OrderCommitted forged = new OrderCommitted(0, 1, 0, pp.ts(), pp.items(), commits);
        int invalid = target.journal.refused("invalid_commit_proof");
        int duplicate = target.journal.refused("duplicate");
        for (int i = 0; i < 50; i++) {
            target.replica.onMessage(sim.resign(hostile, MessageType.ORDER_COMMITTED, forged));
        }
        assertEquals(invalid + 1, target.journal.refused("invalid_commit_proof"), "checked once");
        assertEquals(duplicate + 49, target.journal.refused("duplicate"), "then refused unchecked");
        sim.world.run(Duration.ofSeconds(5));
        assertTrue(sim.node(1).sentOf(MessageType.ORDER_COMMITTED) + target.sentOf(MessageType.ORDER_COMMITTED) >= 1,
                "the forgery did not pass for an announcement");
    }

    /**
     * A primary cuts batches by weight as well as by count: 150 requests with 128-character notes (about 60 KiB)
     * go out in batches of at most {@link RequestRules#MAX_BATCH_ITEM_BYTES} of items, and all execute; a
     * pre-prepare heavier than that is refused by the backups.
     */
    @Test
    void batchesAreCutByWeightAndAnOverweightPreprepareIsRefused() {
        OrderParams d = OrderParams.defaults();
        OrderParams wide = new OrderParams(d.window(), d.checkpointEvery(), d.viewTimeout(), d.viewTimeoutMax(), 256,
                d.batchDelay(), d.clockSkew(), d.requestTtl(), d.retransmitEvery());
        OrderSim sim = new OrderSim(23, 4, wide);
        for (int i = 0; i < 150; i++) {
            sim.submit(String.format("%03d", i) + "x".repeat(125));
        }
        assertTrue(sim.runUntil(Duration.ofMinutes(1), () -> executedEverywhere(sim, 150)));
        List<Integer> weights = new ArrayList<>();
        for (Envelope e : sim.node(0).sent) {
            if (e.body() instanceof OrderPreprepare pp) {
                weights.add(pp.items().stream().mapToInt(RequestRules::itemBytes).sum());
            }
        }
        assertTrue(weights.size() >= 2, "split into several batches: " + weights);
        assertTrue(weights.stream().allMatch(w -> w <= RequestRules.MAX_BATCH_ITEM_BYTES), weights.toString());

        List<OrderItem> heavy = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            heavy.add(new OrderItem(sim.submit("y".repeat(128)), List.of()));
        }
        assertTrue(RequestRules.checkBatch(heavy).orElse("").contains("more than the 32768"), "what a backup refuses");
    }

    @Test
    void twoSilentPrimariesInARowMakeTheSecondChangeWaitTwiceAsLong() {
        OrderSim sim = OrderSim.of(9, 7);
        sim.node(0).tamper = (from, to, topic, env) -> List.of();
        sim.node(1).tamper = (from, to, topic, env) -> List.of();
        long start = sim.world.now();
        sim.submit();
        assertTrue(sim.runUntil(Duration.ofMinutes(3), () -> executedEverywhere(sim, 1)));
        for (OrderSim.Node x : sim.correct()) {
            long first = x.journal.changeStarted.get(1L) - start;
            long second = x.journal.changeStarted.get(2L) - x.journal.changeStarted.get(1L);
            assertTrue(first >= 10_000 && first < 10_200, "first change after " + first + " ms");
            assertTrue(second >= 20_000 && second < 20_200, "second change after " + second + " ms more");
            assertEquals(2, x.replica.view());
        }
    }

    /** Drops every commit of view 0: the batch prepares everywhere but cannot commit there. */
    private static OrderSim preparedThenPrimaryCrashes(long seed) {
        OrderSim sim = OrderSim.of(seed, 4);
        sim.cut = (f, t, e) -> e.type() == MessageType.ORDER_COMMIT && OrderSim.vote(e).view() == 0;
        sim.submit();
        assertTrue(sim.runUntil(Duration.ofSeconds(5), () -> sim.nodes.stream().allMatch(x ->
                x.signed("order/commit/0/0/1").isPresent())), "the batch did not prepare everywhere");
        sim.node(0).crashed = true;
        return sim;
    }

    private static List<OrderNewView> newViews(OrderSim sim) {
        List<OrderNewView> out = new ArrayList<>();
        sim.published.stream().filter(e -> e.type() == MessageType.ORDER_NEWVIEW).forEach(e -> out.add((OrderNewView) e.body()));
        return out;
    }

    @Test
    void aPreparedBatchSurvivesTheCrashOfItsPrimary() {
        OrderSim sim = preparedThenPrimaryCrashes(10);
        String d = OrderSim.vote(sim.node(1).signed("order/prepare/0/0/1").orElseThrow()).digest();
        assertTrue(sim.runUntil(Duration.ofMinutes(2), () -> executedEverywhere(sim, 1)));
        OrderNewView nv = newViews(sim).get(0);
        assertEquals(1, nv.view());
        assertEquals(1, nv.chosen().size());
        assertEquals(d, nv.chosen().get(0).digest());
        assertTrue(nv.nulls().isEmpty());
        sim.correct().forEach(x -> assertEquals(d, x.executed().get(1L)));
    }

    @Test
    void aNewPrimaryThatDropsAPreparedCertificateIsRefusedAndTheNextViewCommitsTheSameDigest() {
        OrderSim sim = preparedThenPrimaryCrashes(11);
        String d = OrderSim.vote(sim.node(2).signed("order/prepare/0/0/1").orElseThrow()).digest();
        sim.node(1).tamper = (from, to, topic, env) -> {
            if (env.body() instanceof OrderNewView nv && nv.view() == 1 && !nv.chosen().isEmpty()) {
                List<Long> nulls = new ArrayList<>(nv.nulls());
                nv.chosen().forEach(c -> nulls.add(c.seq()));
                return List.of(sim.resign(from, MessageType.ORDER_NEWVIEW,
                        new OrderNewView(0, 1, nv.claims(), nv.stable(), List.of(), nulls)));
            }
            return List.of(env);
        };
        assertTrue(sim.runUntil(Duration.ofMinutes(3), () -> sim.correct().stream()
                .filter(x -> x.index != 1).allMatch(x -> x.state.ids.size() == 1)));
        for (OrderSim.Node x : List.of(sim.node(2), sim.node(3))) {
            assertTrue(x.journal.refused("invalid_new_view") > 0, "node-" + x.index + " accepted the bad new view");
            assertEquals(2, x.replica.view());
            assertEquals(d, x.executed().get(1L));
        }
        assertTrue(sim.violations.isEmpty(), sim.violations.toString());
    }
}
