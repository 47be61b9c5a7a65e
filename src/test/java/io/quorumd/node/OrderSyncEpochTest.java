package io.quorumd.node;

import static io.quorumd.node.OrderCatchUpTest.noops;
import static io.quorumd.node.OrderCatchUpTest.state;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.NodeKey;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sync selector {@code order} across an epoch change that retires a key: a replica away while another rotated
 * its key catches up through one page holding the batch that closed the epoch, the checkpoints that made it
 * stable (one signed by the key the rotation retired) and the batches of the next epoch. Each envelope of the
 * page is judged by the signers the inbound gate would take at that moment, closing-epoch keys included.
 */
class OrderSyncEpochTest {
    @TempDir
    Path dir;

    @Test
    void theCheckpointsThatCloseAnEpochCountOnSyncAsLiveEvenFromTheKeyItRetired() throws Exception {
        SimFederation f = SimFederation.started(29, dir, SimFederation.Options.fast(4).withReplicas(4), 20);
        SimWorld w = f.world();
        w.run(Duration.ofSeconds(5));
        SimNode two = f.node(2);
        NodeKey next = NodeKey.fromSeed(new byte[] {7, 3, 7, 3, 7, 3, 7, 3, 7, 3, 7, 3, 7, 3, 7, 3, 7, 3, 7, 3, 7, 3, 7, 3,
                7, 3, 7, 3, 7, 3, 7, 3});
        Rotations.giveNextKey(f, dir, 2, next);
        noops(f, 3, "before-");
        SimNode away = f.node(4);
        assertTrue(w.runUntil(Duration.ofSeconds(10), () -> state(away).lastSeq() == 3));
        away.stop();
        noops(f, 20, "away-"); // beyond 2L: the batch that closes epoch 0 comes to it in a page, not by fetch

        Rotations.endorse(f, Rotations.propose(f, 2, next), 1, 3);
        assertTrue(w.runUntil(Duration.ofSeconds(60), () -> state(f.node(1)).epoch() == 1 && two.up()
                && two.id().equals(next.nodeId())), "the rotation executes and node-2 runs with its new key");
        long closed = state(f.node(1)).lastSeq();
        noops(f, 20, "after-");
        long target = state(f.node(1)).lastSeq();

        long bad = away.metrics().protocolRejects("bad_sync_item");
        away.start();
        assertTrue(w.runUntil(Duration.ofSeconds(60), () -> state(away).lastSeq() == target),
                "at " + state(away).lastSeq() + " of " + target);
        assertEquals(1, state(away).epoch());
        assertEquals(bad, away.metrics().protocolRejects("bad_sync_item"), "every envelope of the pages was taken");
        var fed = away.core().ordering().orElseThrow().federation();
        assertTrue(w.runUntil(Duration.ofSeconds(30), () -> fed.snapshot().closing().isEmpty()),
                "epoch 0 (closed at " + closed + ") is certified: the retired key finishes nothing more");
    }
}
