package io.quorumd.delivery;

import static io.quorumd.delivery.DeliveryFixtures.open;
import static io.quorumd.delivery.DeliveryFixtures.openEnvelope;
import static io.quorumd.delivery.DeliveryFixtures.signedDecisions;
import static io.quorumd.delivery.DeliveryFixtures.tryVote;
import static io.quorumd.delivery.DeliveryFixtures.vote;
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
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How validators double-sign in real life, and why quorumd does not (DESIGN §2, sign once): the same key and
 * data dir running on a second machine (a cloned VM), and a data dir restored from a backup taken before the
 * node signed its latest votes. A twin stops before it signs anything when the older one is heard within the
 * start watch, and as soon as it hears it otherwise; a restored node signs nothing dated before its start until
 * its first sync brought back what its key signed, and a ledger older than the key's latest run begins again.
 */
class TwinAndBackupTest {
    @TempDir
    Path dir;

    private SimFederation fed(long seed) throws Exception {
        return SyncScenarioTest.fed(dir, seed, Duration.ofSeconds(30), "");
    }

    /** A second machine with a copy of node-1's disk, as it is now, and node-1's key and config; not started. */
    private SimNode cloneOfNodeOne(SimFederation f) throws Exception {
        f.node(1).copyDataDir(dir.resolve("clone-1"));
        return f.twinOf(1, "clone-1");
    }

    @Test
    void aClonedMachineStartedWhileTheFirstRunsStopsBeforeSigningAnything() throws Exception {
        SimFederation f = fed(601);
        SimNode one = f.node(1);
        SimNode clone = cloneOfNodeOne(f); // the VM is cloned while node-1 runs
        clone.startWatched();
        f.world().run(Duration.ofSeconds(4)); // one heartbeat (1 s) and the margin
        assertTrue(clone.stoppedAsTwin(), "the newer process stops");
        assertEquals(List.of(), clone.published(), "having signed nothing");
        assertTrue(one.up());
        String id = open(f.node(6), "after-the-clone");
        f.world().run(Duration.ofSeconds(1));
        vote(one, id, Decision.BUYER); // the older one goes on working
        assertEquals(Set.of(Decision.BUYER), signedDecisions(one, id));
    }

    @Test
    void aClonedMachineWhoseClockIsBehindStopsAtItsStartToo() throws Exception {
        SimFederation f = fed(605);
        SimNode one = f.node(1);
        SimNode clone = cloneOfNodeOne(f);
        clone.setClockOffset(-20_000); // within the 30 s skew: its start time reads earlier than node-1's heartbeats
        clone.startWatched();
        f.world().run(Duration.ofSeconds(4));
        assertTrue(clone.stoppedAsTwin(), "the process that is starting stops, whatever start time the other claims");
        assertEquals(List.of(), clone.published());
        assertTrue(one.up());
    }

    @Test
    void aReplayedHeartbeatOfAnEarlierRunWhoseClockWasFastStopsNothing() throws Exception {
        SimFederation f = fed(606);
        SimNode three = f.node(3);
        three.stop();
        three.setClockOffset(120_000); // run A: its clock two minutes fast
        three.start();
        f.world().run(Duration.ofSeconds(150));
        Envelope late = three.published().stream().filter(e -> e.type() == MessageType.PRESENCE_HEARTBEAT)
                .reduce((a, b) -> b).orElseThrow();
        three.stop();
        three.setClockOffset(0); // stepped back before run B
        f.world().run(Duration.ofSeconds(5));
        three.startWatched();
        f.bus().publish(three.topics().presence(three.id()), late, false); // any member, live, during the watch
        f.world().run(Duration.ofSeconds(4));
        assertTrue(three.up() && !three.stoppedAsTwin(), "a heartbeat dated ahead of this clock is no twin");
        f.bus().publish(three.topics().presence(three.id()), late, false); // and again while it runs
        f.world().run(Duration.ofSeconds(1));
        assertTrue(three.up() && !three.stoppedAsTwin());
    }

    @Test
    void aTwinWhoseClockRunsAheadIsStoppedOnceTheOlderOnesHeartbeatsCatchUp() throws Exception {
        SimFederation f = fed(602);
        SimNode one = f.node(1);
        SimNode clone = cloneOfNodeOne(f);
        clone.setClockOffset(6_000); // the older one's heartbeats look older than this start for 6 s
        clone.startWatched();
        f.world().run(Duration.ofSeconds(4));
        assertFalse(clone.stoppedAsTwin(), "not heard within the watch: it starts");
        assertTrue(f.world().runUntil(Duration.ofSeconds(5), clone::stoppedAsTwin),
                "stopped once a heartbeat of the older one is dated after its start");
        assertTrue(one.up() && !one.stoppedAsTwin(), "the older one goes on");
        assertTrue(clone.published().stream().noneMatch(e -> e.type() == MessageType.DISPUTE_VOTE
                || e.type() == MessageType.CHECKPOINT_VOTE), "no vote from the twin");
    }

    /**
     * node-3's data dir is backed up, node-6 opens {@code subject}, node-3 votes BUYER, crashes and gets the backup
     * back (not started); returns the dispute id.
     */
    private String votedAfterTheBackupThenRestored(SimFederation f, String subject) throws Exception {
        SimNode three = f.node(3);
        three.copyDataDir(dir.resolve("backup-3"));
        String id = open(f.node(6), subject);
        f.world().run(Duration.ofSeconds(1));
        vote(three, id, Decision.BUYER); // signed after the backup
        f.world().run(Duration.ofSeconds(1));
        three.crash();
        three.restoreDataDir(dir.resolve("backup-3"));
        return id;
    }

    @Test
    void aNodeRestoredFromABackupOfItsLastRunLearnsItsVoteFromPeersBeforeItSigns() throws Exception {
        SimFederation f = fed(603);
        SimNode three = f.node(3);
        String id = votedAfterTheBackupThenRestored(f, "restored-a");
        three.startWatched();
        f.world().run(Duration.ofMillis(700)); // the will is retained: the watch ends after the settle
        assertTrue(three.up());
        three.receiveRaw(three.topics().arbiterPropose(), openEnvelope(f.node(6), id).encode()); // the open, again
        String early = tryVote(three, id, Decision.SELLER);
        assertTrue(early.contains("caught up with f + 1 peers"), early);
        assertTrue(f.world().runUntil(Duration.ofSeconds(20), () -> three.core().sync().caughtUp()));
        String later = tryVote(three, id, Decision.SELLER);
        assertTrue(later.contains("already voted BUYER"), later);
        assertEquals(Set.of(Decision.BUYER), signedDecisions(three, id));
    }

    @Test
    void aLedgerOlderThanTheKeysLatestRunBeginsAgainAndStaysSoAcrossRestarts() throws Exception {
        SimFederation f = fed(604);
        SimNode three = f.node(3);
        three.copyDataDir(dir.resolve("backup-3"));
        three.stop();
        f.world().run(Duration.ofSeconds(2));
        three.start(); // a later run, which the backup does not hold
        assertTrue(f.world().runUntil(Duration.ofSeconds(20), () -> three.core().sync().caughtUp()));
        String id = open(f.node(6), "restored-b");
        f.world().run(Duration.ofSeconds(1));
        vote(three, id, Decision.BUYER);
        f.world().run(Duration.ofSeconds(1));
        three.crash();
        three.restoreDataDir(dir.resolve("backup-3"));
        long restartedAt = f.world().now();
        three.startWatched();
        f.world().run(Duration.ofSeconds(3));
        assertTrue(three.up());
        String state = three.core().signingState();
        assertTrue(state.startsWith("began ") && !state.contains("new key"), state);
        f.bus().partition((r, e) -> r == three && e.type() == MessageType.SYNC_RESPONSE); // no peer answers
        three.receiveRaw(three.topics().arbiterPropose(), openEnvelope(f.node(6), id).encode());
        assertFalse(tryVote(three, id, Decision.SELLER).isEmpty(), "nothing dated before it began again");
        three.stop();
        f.world().run(Duration.ofSeconds(1));
        three.start();
        f.world().run(Duration.ofSeconds(2));
        String again = three.core().signingState();
        assertTrue(again.startsWith("began ") && java.time.Instant.parse(again.substring(6, again.indexOf('Z') + 1))
                .toEpochMilli() >= restartedAt, again);
        assertEquals(Set.of(Decision.BUYER), signedDecisions(three, id));
    }
    @Test
    void oneMemberAnsweringEmptyPagesDoesNotLiftTheRestoredNodesSyncFirstRule() throws Exception {
        SimFederation f = fed(605);
        SimNode three = f.node(3);
        String id = votedAfterTheBackupThenRestored(f, "restored-c");
        f.bus().partition((r, e) -> r == three && e.type() == MessageType.SYNC_RESPONSE); // only the forger answers
        three.startWatched();
        f.world().run(Duration.ofMillis(700));
        three.receiveRaw(three.topics().arbiterPropose(), openEnvelope(f.node(6), id).encode());
        assertTrue(f.world().runUntil(Duration.ofSeconds(20), () -> !lastRequests(three).isEmpty()), "a sync started");
        // whichever peer it asks answers every selector at once with an empty last page, as a hostile member may
        Set<String> answered = new java.util.HashSet<>();
        for (int page = 0; page < 10; page++) {
            for (Envelope req : lastRequests(three)) {
                if (answered.add(req.contentId())) {
                    SyncRequest r = (SyncRequest) req.body();
                    SimNode peer = f.nodes().stream().filter(n -> n.id().equals(r.to())).findFirst().orElseThrow();
                    Envelope empty = peer.sign(MessageType.SYNC_RESPONSE, new SyncResponse(three.id(), 0, r.selector(),
                            req.contentId(), List.of(), ""), f.world().now());
                    three.receiveRaw(three.topics().syncResponse(three.id()), empty.encode());
                }
            }
            f.world().run(Duration.ofMillis(50));
            if (lastRequests(three).stream().map(e -> ((SyncRequest) e.body()).to()).distinct().count() > 1) {
                break; // it went on to a second peer
            }
        }
        assertFalse(three.core().sync().caughtUp(), "one member's empty pages are not all the peers'");
        String early = tryVote(three, id, Decision.SELLER);
        assertTrue(early.contains("caught up with f + 1 peers"), early);
        f.bus().partition((r, e) -> false); // the honest members' pages arrive
        assertTrue(f.world().runUntil(Duration.ofSeconds(60), () -> three.core().sync().caughtUp()));
        String later = tryVote(three, id, Decision.SELLER);
        assertTrue(later.contains("already voted BUYER"), later);
        assertEquals(Set.of(Decision.BUYER), signedDecisions(three, id));
    }

    private static List<Envelope> lastRequests(SimNode n) {
        return n.published().stream().filter(e -> e.type() == MessageType.SYNC_REQUEST).toList();
    }
    @Test
    void aSessionOfOneSelectorVouchesForNobody() throws Exception {
        SimFederation f = SyncScenarioTest.fed(dir, 606, Duration.ofSeconds(30), "sync:\n  timeout: 1s\n");
        SimNode three = f.node(3);
        three.crash();
        // only checkpoint pages reach node-3: its full sessions end incomplete, a checkpoint gap's completes
        f.bus().partition((r, e) -> r == three && e.type() == MessageType.SYNC_RESPONSE
                && !((SyncResponse) e.body()).selector().equals(SyncRequest.CHECKPOINTS));
        three.start();
        f.world().run(Duration.ofSeconds(6)); // boot grace, then three peers tried and given up on
        long before = lastRequests(three).size();
        three.control(c -> {
            c.sync().checkpointGap(f.node(1).id());
            return "";
        });
        f.world().run(Duration.ofSeconds(2));
        assertTrue(lastRequests(three).size() > before, "the gap asked a peer");
        assertEquals(0, three.core().sync().vouchedNow(), "a session of the checkpoints alone vouches for nobody");
        assertFalse(three.core().sync().caughtUp());
    }
}
