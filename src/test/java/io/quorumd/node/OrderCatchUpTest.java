package io.quorumd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeKey;
import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.ledger.ScanResult;
import io.quorumd.order.FederationState;
import io.quorumd.order.RosterOp;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.Json;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderCommitted;
import io.quorumd.wire.OrderVote;
import io.quorumd.wire.Role;
import io.quorumd.wire.SyncRequest;
import io.quorumd.wire.SyncResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Catch-up of ordering through sync selector {@code order} (DESIGN §12 "Catch-up", §13), whole nodes in the
 * simulation: a replica away while the others execute far more than the 2L batches anyone keeps for fetches,
 * a roster change among them, comes back level with the federation.
 */
class OrderCatchUpTest {
    static final int WINDOW = 8;

    @TempDir
    Path dir;

    static FederationState state(SimNode n) {
        return n.core().ordering().orElseThrow().federation().state();
    }

    static void noop(SimNode by, String note) {
        by.control(c -> c.ordering().orElseThrow().propose(RosterOp.NOOP, Json.object().put("note", note), 0));
    }

    /** {@code count} noop batches, one at a time, proposed by node-1. */
    static void noops(SimFederation f, int count, String tag) {
        for (int i = 0; i < count; i++) {
            long before = state(f.node(1)).lastSeq();
            noop(f.node(1), tag + i);
            assertTrue(f.world().runUntil(Duration.ofSeconds(30), () -> state(f.node(1)).lastSeq() > before),
                    "noop " + tag + i + " executed, seed " + f.world().seed());
        }
    }

    /** node-1 proposes admitting {@code key} as node-5; {@code endorsers} endorse; epoch 1 on the running nodes. */
    static void admitFifth(SimFederation f, NodeKey key, List<SimNode> endorsers, List<SimNode> running) {
        SimWorld w = f.world();
        long at = w.now();
        Bytes pop = key.sign(RosterOp.popMessage(RosterOp.ADD, 0, "node-5", key.publicKey(), at));
        String id = f.node(1).control(c -> c.ordering().orElseThrow().propose(RosterOp.ADD,
                RosterOp.addArgs("node-5", key.publicKey(), Set.of(Role.VOTER), pop), at));
        w.run(Duration.ofSeconds(1));
        for (SimNode n : endorsers) {
            n.control(c -> {
                c.ordering().orElseThrow().endorse(id);
                return null;
            });
        }
        assertTrue(w.runUntil(Duration.ofSeconds(60), () -> running.stream().allMatch(n -> state(n).epoch() == 1)),
                "node-5 admitted, seed " + w.seed());
    }

    /**
     * A replica among node-2..node-4 that is not the primary of view 0 (whose absence would move the others to
     * view 1, which a replica that returns learns only at its next view change, sync or not).
     */
    static SimNode awayReplica(SimFederation f) {
        var current = f.node(1).core().ordering().orElseThrow().federation().current();
        var primary = current.replicaSet().primary(0);
        return f.nodes().subList(1, 4).stream().filter(n -> !n.id().equals(primary)).reduce((a, b) -> b).orElseThrow();
    }

    static long orderRequests(SimNode n) {
        return n.published().stream().filter(e -> e.type() == MessageType.SYNC_REQUEST
                && ((SyncRequest) e.body()).selector().equals(SyncRequest.ORDER)).count();
    }

    /** A federation whose {@code away} replica stopped at {@code left} while the others executed up to {@code target}. */
    record Away(SimFederation f, SimNode away, List<SimNode> others, long left, long target) {
    }

    /**
     * Four replicas; one that is not the primary stops after 3 batches; the others execute 20 noops, admit node-5
     * (a roster change: epoch 1) and 20 noops more: over 3L batches.
     */
    Away awayForFortyBatches(long seed, String yaml) throws Exception {
        SimFederation f = SimFederation.started(seed, dir, SimFederation.Options.fast(4).withReplicas(4).withYaml(yaml), 20);
        SimWorld w = f.world();
        w.run(Duration.ofSeconds(5));
        noops(f, 3, "before-");
        SimNode away = awayReplica(f);
        List<SimNode> others = f.nodes().subList(0, 4).stream().filter(n -> n != away).toList();
        assertTrue(w.runUntil(Duration.ofSeconds(10), () -> state(away).lastSeq() == state(f.node(1)).lastSeq()));
        long left = state(away).lastSeq();
        away.stop();

        noops(f, 20, "a-");
        admitFifth(f, NodeKey.fromSeed(new byte[32]), others.subList(1, 3), others);
        noops(f, 20, "b-");
        long target = state(f.node(1)).lastSeq();
        assertTrue(target - left > 3 * WINDOW, "away for " + (target - left) + " batches");
        assertTrue(w.runUntil(Duration.ofSeconds(30), () -> others.stream().allMatch(n -> state(n).lastSeq() == target)));
        return new Away(f, away, others, left, target);
    }

    /** Whether {@code e} is a page of batches to {@code to} with batches of epoch 0 and of epoch 1. */
    static boolean spansEpochs(Envelope e, SimNode to) {
        if (!(e.body() instanceof SyncResponse r) || !r.to().equals(to.id())) {
            return false;
        }
        Set<Long> epochs = r.envelopes().stream().filter(x -> x.body() instanceof OrderCommitted)
                .map(x -> ((OrderCommitted) x.body()).epoch()).collect(java.util.stream.Collectors.toSet());
        return epochs.containsAll(Set.of(0L, 1L));
    }

    static long lowWatermark(SimNode n) {
        return n.core().ordering().orElseThrow().federation().current().lowWatermark();
    }

    /** {@code n} reaches {@code target} with {@code like}'s state and epoch 1. */
    static void assertLevel(SimWorld w, SimNode n, SimNode like, long target) {
        boolean level = w.runUntil(Duration.ofSeconds(60), () -> state(n).lastSeq() == target);
        assertTrue(level, n.name() + " at " + state(n).lastSeq() + " of " + target + ", seed " + w.seed());
        assertEquals(state(like).digest(), state(n).digest(), "the same replicated state");
        assertEquals(1, state(n).epoch(), "in the epoch the roster change opened");
        assertTrue(orderRequests(n) >= 1, "asked through sync selector order");
    }

    static void assertLedgerVerifies(SimNode n) throws java.io.IOException {
        ScanResult verify = LedgerScanner.scan(Ledger.directory(n.config().node().dataDir()), new FullVerifier());
        assertTrue(verify.intact(), "ledger verify --full: " + verify);
    }

    @Test
    void aReplicaAwayForFortyBatchesAndARosterChangeCatchesUpThroughSync() throws Exception {
        Away a = awayForFortyBatches(41, "");
        SimWorld w = a.f().world();
        SimNode away = a.away();
        SimNode one = a.f().node(1);
        away.start();
        assertLevel(w, away, one, a.target());
        assertTrue(lowWatermark(away) > a.target() - 2 * WINDOW, "its low watermark came along: h = " + lowWatermark(away));
        assertTrue(a.others().stream().flatMap(n -> n.published().stream()).anyMatch(e -> spansEpochs(e, away)),
                "a page carried the batch that closed epoch 0 and batches of epoch 1: they executed in that page");

        // and it orders again: it signs a commit for the next batch
        noops(a.f(), 1, "after-");
        long next = state(one).lastSeq();
        assertTrue(w.runUntil(Duration.ofSeconds(30), () -> state(away).lastSeq() == next));
        assertTrue(away.published().stream().anyMatch(e -> e.type() == MessageType.ORDER_COMMIT
                && ((OrderVote) e.body()).seq() == next), away.name() + " signed a commit at seq " + next);
        away.stop();
        assertLedgerVerifies(away);
    }

    @Test
    void aPeerThatRestartedServesTheBatchesFromItsLedgerFiles() throws Exception {
        Away a = awayForFortyBatches(43, "sync:\n  pageSize: 10\n");
        SimWorld w = a.f().world();
        SimNode server = a.others().get(0);
        server.stop();
        server.start(); // nothing executed since: every batch it serves is read back from its ledger
        for (SimNode other : a.others().subList(1, 3)) {
            other.stop(); // the restarted node is the only peer to ask
        }
        w.run(Duration.ofSeconds(5));
        OrderHistory held = server.core().ordering().orElseThrow().history();
        assertTrue(held.firstRecent() > a.target(), "no batch in memory");

        SimNode away = a.away();
        away.start();
        assertLevel(w, away, server, a.target());
        long pages = orderRequests(away);
        assertTrue(pages >= 4, "pages of 10 envelopes: " + pages + " asked");
        assertTrue(lowWatermark(away) > a.target() - 2 * WINDOW, "h = " + lowWatermark(away));
        away.stop();
        assertLedgerVerifies(away);
    }

    @Test
    void aReplicaThatLostItsDiskCatchesUpFromTheFirstBatch() throws Exception {
        Away a = awayForFortyBatches(47, "");
        SimWorld w = a.f().world();
        SimNode away = a.away();
        away.wipeDataDir();
        away.start(); // from the YAML roster of epoch 0: every batch, the roster change included, comes by sync
        assertLevel(w, away, a.f().node(1), a.target());
        away.stop();
        assertLedgerVerifies(away);
    }
}
