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
        SimFederation f = node3MissedTheFirstFinalOfNode1(71);
        SimNode subject = f.node(1);
        SimNode missed = f.node(3);
        long first = subject.core().checkpoints().latest(subject.id()).orElseThrow().checkpoint().tuple().asOf();
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
        SimFederation f = node3MissedTheFirstFinalOfNode1(6008);
        SimNode subject = f.node(1);
        SimNode missed = f.node(3);
        int before = missed.published().size();
        f.bus().partition((r, e) -> r == missed && e.type() == MessageType.SYNC_RESPONSE && !e.from().equals(subject.id()));
        Duration interval = subject.config().checkpoint().interval();
        assertTrue(f.world().runUntil(interval.plusSeconds(5), () -> missed.core().checkpoints().latest(subject.id())
                .isPresent()), "node-3 fetched the final from its proposer: " + CheckpointSimulationTest.describe(f));
        List<Envelope> asked = missed.published().subList(before, missed.published().size()).stream()
                .filter(e -> e.type() == MessageType.SYNC_REQUEST).toList();
        assertEquals(subject.id(), ((SyncRequest) asked.get(0).body()).to(), "the gap asked the proposer first");
    }

    /**
     * A gap names a proposer this node does not see online (one that sends no heartbeat, or crashed right after
     * proposing): it is not asked, and the restarted node's wait for a peer to catch up with is kept, so the
     * first peer that comes online is asked at once instead of after a retry delay.
     */
    @Test
    void aGapNamingAProposerNotOnlineKeepsTheWaitForAPeer() throws Exception {
        SimFederation f = SimFederation.started(6009, dir, SimFederation.Options.fast(5), 20);
        SimNode three = f.node(3);
        three.crash();
        f.bus().partition((r, e) -> r == three);
        f.world().run(Duration.ofSeconds(1)); // what was under way when it crashed is gone
        three.start();
        f.world().run(three.config().checkpoint().bootGrace().plusSeconds(1));
        int before = three.published().size();
        three.control(c -> {
            c.sync().checkpointGap(f.node(1).id());
            return "";
        });
        assertTrue(three.published().subList(before, three.published().size()).stream()
                .noneMatch(e -> e.type() == MessageType.SYNC_REQUEST), "nobody online: nobody asked");
        f.bus().partition((r, e) -> false);
        assertTrue(f.world().runUntil(Duration.ofSeconds(5), () -> three.published().subList(before,
                three.published().size()).stream().anyMatch(e -> e.type() == MessageType.SYNC_REQUEST)),
                "the first peer online was asked at once");
    }

    /** A gap's session of the checkpoints, on nodes that serve nothing else, still vouches for nobody. */
    @Test
    void aGapSessionVouchesForNobodyWhereCheckpointsAreAllANodeServes() throws Exception {
        SimFederation f = SimFederation.started(6010, dir, SimFederation.Options.fast(5)
                .withYaml("sync:\n  timeout: 1s\n"), 20);
        SimNode three = f.node(3);
        SimNode proposer = f.node(1);
        three.crash();
        f.bus().partition((r, e) -> r == three && e.type() == MessageType.SYNC_RESPONSE);
        three.start();
        f.world().run(three.config().checkpoint().bootGrace().plusSeconds(4)); // boot session: nobody answers
        f.bus().partition((r, e) -> r == three && e.type() == MessageType.SYNC_RESPONSE && !e.from().equals(proposer.id()));
        three.control(c -> {
            c.sync().checkpointGap(proposer.id());
            return "";
        });
        f.world().run(Duration.ofSeconds(2));
        assertTrue(three.published().stream().anyMatch(e -> e.type() == MessageType.SYNC_REQUEST
                && ((SyncRequest) e.body()).to().equals(proposer.id())), "the proposer was asked");
        assertEquals(0, three.core().sync().vouchedNow(), "the proposer does not vouch for itself through a gap");
    }

    /** Five --fast nodes, no responder: node-1 checkpoints once and node-3 never gets that final. */
    private SimFederation node3MissedTheFirstFinalOfNode1(long seed) throws Exception {
        SimFederation f = SimFederation.started(seed, dir, SimFederation.Options.fast(5)
                .withYaml("responder:\n  enabled: false\n"), 20);
        SimNode subject = f.node(1);
        SimNode missed = f.node(3);
        f.bus().partition((r, e) -> r == missed && e.type() == MessageType.CHECKPOINT_FINAL && e.from().equals(subject.id()));
        assertTrue(f.world().runUntil(Duration.ofMinutes(2), () -> f.node(2).core().checkpoints().latest(subject.id())
                .isPresent()), "node-1's first checkpoint: " + CheckpointSimulationTest.describe(f));
        f.world().run(Duration.ofSeconds(1));
        assertTrue(missed.core().checkpoints().latest(subject.id()).isEmpty(), "node-3 did not get it");
        return f;
    }
}
