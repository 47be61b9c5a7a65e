package io.quorumd.ledger;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.loop.ControlRequest;
import io.quorumd.node.NodeCore;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A control command's OK acknowledges what it signed, so the answer must wait for the batch's fsync: it was
 * completed while the command ran, before the group commit, and a node killed (or failing its write) in between
 * lost a vote or an open its operator had been told was done.
 */
class ControlAnswerBeforeFsyncTest {
    @TempDir
    Path dir;

    private static ControlRequest open(String subject, CompletableFuture<Object> reply) {
        return new ControlRequest("dispute.open", h -> ((NodeCore) h).arbiter().orElseThrow().desk()
                .open(subject, "node-3", "node-1", 100, "not delivered", List.of()), reply);
    }

    @Test
    void theAnswerIsSentOnlyOnceTheBatchIsDurable() throws Exception {
        SimFederation f = SimFederation.started(71, dir, SimFederation.Options.arbitration(3, 2, 2, 0), 10);
        f.world().run(Duration.ofSeconds(3));
        NodeCore core = f.node(3).core();
        long before = core.ledger().entries();
        CompletableFuture<Object> reply = new CompletableFuture<>();
        core.onControl(open("pay-1", reply));
        assertTrue(core.ledger().hasPending(), "the open's signed entry waits for the group commit");
        assertFalse(reply.isDone(), "answered before the fsync: a kill now loses an acknowledged open");
        core.afterBatch();
        assertTrue(reply.isDone());
        assertTrue(core.ledger().entries() > before);
    }

    /** The lower-level twin of LedgerDiskFullIT, for machines where a tmpfs cannot be mounted. */
    @Test
    void aFailedWriteAnswersWithTheErrorNotOk() throws Exception {
        SimFederation f = SimFederation.started(72, dir, SimFederation.Options.arbitration(3, 2, 2, 0), 10);
        f.world().run(Duration.ofSeconds(3));
        SimNode three = f.node(3);
        NodeCore core = three.core();
        core.ledger().injectFaults(p -> {
            throw new IOException("No space left on device");
        });
        CompletableFuture<Object> reply = new CompletableFuture<>();
        core.onControl(open("pay-2", reply));
        // the simulation's fatal handler throws where the daemon would exit
        assertThrows(IllegalStateException.class, core::afterBatch);
        ExecutionException e = assertThrows(ExecutionException.class, reply::get);
        assertTrue(e.getCause().getMessage().contains("No space left on device"), e.getCause().getMessage());
        assertTrue(core.failed());
        CompletableFuture<Object> later = new CompletableFuture<>();
        try {
            core.onControl(open("pay-3", later));
            core.afterBatch();
        } catch (RuntimeException refused) {
            // the loop answers a command that throws with its error
        }
        assertFalse(later.isDone() && !later.isCompletedExceptionally(), "a failed node answers no command with OK");
        core.closeLedger();
        ScanResult r = LedgerScanner.scan(Ledger.directory(core.config().node().dataDir()), new FullVerifier());
        assertTrue(r.corruption().isEmpty(), "what `ledger verify --full` reads after the failed write: " + r);
    }
}
