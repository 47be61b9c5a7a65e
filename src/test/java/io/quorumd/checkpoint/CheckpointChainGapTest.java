package io.quorumd.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.SyncRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A voter that missed a subject's last final votes with another previousCheckpointId; with minVoters = N−1
 * no group then reaches minVoters, round after round. Five nodes, --fast timings (minVoters 4, interval
 * 30 s, voteWindow 3 s), no responder to re-publish the lost final: the voter must fetch it itself when a
 * proposal chains to a final it does not hold.
 */
class CheckpointChainGapTest {
    @TempDir
    Path dir;

    @Test
    void aVoterThatMissedTheSubjectsLastFinalFetchesItSoTheSubjectCheckpointsAgain() throws Exception {
        SimFederation f = SimFederation.started(71, dir, SimFederation.Options.fast(5)
                .withYaml("responder:\n  enabled: false\n"), 20);
        SimNode subject = f.node(1);
        SimNode missed = f.node(3);
        f.bus().partition((r, e) -> r == missed && e.type() == MessageType.CHECKPOINT_FINAL && e.from().equals(subject.id()));
        assertTrue(f.world().runUntil(Duration.ofMinutes(2), () -> f.node(2).core().checkpoints().latest(subject.id())
                .isPresent()), "node-1's first checkpoint: " + CheckpointSimulationTest.describe(f));
        long first = subject.core().checkpoints().latest(subject.id()).orElseThrow().checkpoint().tuple().asOf();
        f.world().run(Duration.ofSeconds(1));
        assertTrue(missed.core().checkpoints().latest(subject.id()).isEmpty(), "node-3 did not get it");
        f.bus().partition((r, e) -> false);
        Duration interval = subject.config().checkpoint().interval();
        Duration attempt = subject.config().checkpoint().checkEvery().plus(subject.config().checkpoint().voteWindow()
                .multipliedBy(2));
        boolean again = f.world().runUntil(interval.plus(attempt).plusSeconds(2), () -> subject.core().checkpoints()
                .latest(subject.id()).filter(c -> c.checkpoint().tuple().asOf() > first).isPresent());
        assertTrue(again, "node-1 checkpoints again within one interval and one attempt: "
                + CheckpointSimulationTest.describe(f));
        assertTrue(missed.core().checkpoints().latest(subject.id()).isPresent(), "node-3 fetched what it missed");
    }

    /**
     * Seed 6008 of the simulation fuzz: the gap asked a peer that was catching up itself and lacked the final
     * too; gaps wait a minute, so the subject missed its bound. The proposer holds the final it chains to:
     * it is asked first. Here no other peer's sync pages reach the voter at all.
     */
    @Test
    void aGapAsksTheProposerFirstAsOtherPeersMayLackTheFinalToo() throws Exception {
        SimFederation f = SimFederation.started(6008, dir, SimFederation.Options.fast(5)
                .withYaml("responder:\n  enabled: false\n"), 20);
        SimNode subject = f.node(1);
        SimNode missed = f.node(3);
        f.bus().partition((r, e) -> r == missed && e.type() == MessageType.CHECKPOINT_FINAL && e.from().equals(subject.id()));
        assertTrue(f.world().runUntil(Duration.ofMinutes(2), () -> f.node(2).core().checkpoints().latest(subject.id())
                .isPresent()), "node-1's first checkpoint: " + CheckpointSimulationTest.describe(f));
        f.world().run(Duration.ofSeconds(1));
        assertTrue(missed.core().checkpoints().latest(subject.id()).isEmpty(), "node-3 did not get it");
        int before = missed.published().size();
        f.bus().partition((r, e) -> r == missed && e.type() == MessageType.SYNC_RESPONSE && !e.from().equals(subject.id()));
        Duration interval = subject.config().checkpoint().interval();
        assertTrue(f.world().runUntil(interval.plusSeconds(5), () -> missed.core().checkpoints().latest(subject.id())
                .isPresent()), "node-3 fetched the final from its proposer: " + CheckpointSimulationTest.describe(f));
        List<Envelope> asked = missed.published().subList(before, missed.published().size()).stream()
                .filter(e -> e.type() == MessageType.SYNC_REQUEST).toList();
        assertEquals(subject.id(), ((SyncRequest) asked.get(0).body()).to(), "the gap asked the proposer first");
    }
}
