package io.quorumd.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quorumd.crypto.NodeId;
import org.junit.jupiter.api.Test;

class RunHistoryTest {
    private static final NodeId S = new NodeId("00112233445566778899aabbccddeeff");
    private static final long T0 = 1_800_000_000_000L;

    @Test
    void uptimeCountsFromTheRunsSignedStartEvenWhenFirstSeenLater() {
        RunHistory h = new RunHistory();
        h.up(S, T0, T0 + 40_000); // first heard 40 s after it started
        assertEquals(new UptimeStats(0, 100, T0 / 1000), h.derive(S, null, T0 + 100_000));
    }

    @Test
    void outagesAndRestartsAreCounted() {
        RunHistory h = new RunHistory();
        h.up(S, T0, T0);
        h.down(S, T0 + 10_000);
        h.up(S, T0, T0 + 20_000);                 // back, same run (missed heartbeats)
        h.up(S, T0 + 50_000, T0 + 51_000);        // restarted: previous interval closed at the new start
        assertEquals(new UptimeStats(1, 10 + 30 + 50, T0 / 1000), h.derive(S, null, T0 + 100_000));
    }

    @Test
    void thisNodesStopSuspendsAPeersOpenRunUntilTheSameRunIsHeardAgain() {
        NodeId self = new NodeId("ffeeddccbbaa99887766554433221100");
        RunHistory h = new RunHistory();
        h.up(S, T0, T0);
        h.suspendPeers(self, T0 + 30_000, T0 + 80_000); // this node stopped; it cannot tell what the peer did next
        assertEquals(new UptimeStats(0, 30, T0 / 1000), h.derive(S, null, T0 + 100_000), "not credited for ever");
        h.up(S, T0, T0 + 90_000);                 // the same run heard soon after the boot: it went on throughout
        assertEquals(new UptimeStats(0, 100, T0 / 1000), h.derive(S, null, T0 + 100_000));
        h.suspendPeers(self, T0 + 100_000, T0 + 100_000);
        h.up(S, T0 + 105_000, T0 + 120_000);      // a new run: the old one ended unseen, at this node's stop
        assertEquals(new UptimeStats(1, 100 + 15, T0 / 1000), h.derive(S, null, T0 + 120_000));
    }

    @Test
    void aSuspendedRunHeardOnlyLongAfterThisNodesBootCountsFromThen() {
        NodeId self = new NodeId("ffeeddccbbaa99887766554433221100");
        RunHistory h = new RunHistory();
        h.resumeWithin(java.time.Duration.ofSeconds(10));
        h.up(S, T0, T0);
        h.suspendPeers(self, T0 + 30_000, T0 + 40_000);
        h.up(S, T0, T0 + 600_000);                // "the same run", ten minutes after the boot: seen again only now
        assertEquals(new UptimeStats(0, 30 + 100, T0 / 1000), h.derive(S, null, T0 + 700_000));
    }

    @Test
    void derivationStartsFromTheLatestCheckpoint() {
        RunHistory h = new RunHistory();
        h.up(S, T0, T0);
        h.up(S, T0 + 70_000, T0 + 70_000);
        var base = new RunHistory.UptimeBase(T0 + 60_000, 4, 1000, 123);
        // 10 s of the first run after the checkpoint, then 30 s of the new run; one restart after it.
        assertEquals(new UptimeStats(5, 1040, 123), h.derive(S, base, T0 + 100_000));
    }

    @Test
    void valuesAsOfAnEarlierTimeIgnoreLaterRuns() {
        RunHistory h = new RunHistory();
        h.up(S, T0, T0);
        h.up(S, T0 + 70_000, T0 + 70_000);
        assertEquals(new UptimeStats(0, 50, T0 / 1000), h.derive(S, null, T0 + 50_000));
    }
}
