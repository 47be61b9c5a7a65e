package io.quorumd.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.sim.SimBus;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.CheckpointProposal;
import io.quorumd.wire.CheckpointTuple;
import io.quorumd.wire.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An observer's own time away from the broker is no evidence about its peers: after an outage of the whole
 * broker every node's next checkpoint carries the proposer's own uptime, the votes agreeing with it; when one
 * node alone is cut off, its view of the others is unchanged, while they count its absence against it.
 */
class BrokerOutageUptimeTest {
    @TempDir
    Path dir;

    private static final Duration OUTAGE = Duration.ofSeconds(60);

    private SimFederation fed(long seed) throws Exception {
        SimWorld world = new SimWorld(seed, 1_800_000_000_000L);
        SimFederation f = new SimFederation(world, new SimBus(world, 0, 0, 200), dir.resolve("seed-" + seed),
                SimFederation.Options.fast(7));
        f.startAll();
        return f;
    }

    /** The first final the node published for itself as of {@code after} or later. */
    private static Optional<CheckpointFinal> finalAfter(SimNode n, long after) {
        return n.published().stream().filter(e -> e.type() == MessageType.CHECKPOINT_FINAL)
                .map(e -> (CheckpointFinal) e.body()).filter(f -> f.tuple().asOf() >= after).findFirst();
    }

    @Test
    void afterABrokerOutageEveryNodesNextCheckpointCarriesItsOwnUptime() throws Exception {
        outage(false);
    }

    /** A broker that is stopped closes its clients one by one: the first ones' wills reach the others first. */
    @Test
    void willsOutAsTheBrokerGoesDownCountNoMoreThanTheOutage() throws Exception {
        outage(true);
    }

    private void outage(boolean willsFirst) throws Exception {
        for (long seed : new long[] {21, 22, 23}) {
            SimFederation f = fed(seed);
            SimWorld w = f.world();
            long began = w.now();
            w.run(Duration.ofSeconds(40));
            for (SimNode n : willsFirst ? List.of(f.node(4), f.node(6)) : List.<SimNode>of()) {
                f.bus().publish(n.core().presence().topic(), n.core().presence().lastWill(), true);
            }
            w.run(Duration.ofMillis(willsFirst ? 300 : 0));
            f.bus().partition((r, e) -> true); // the broker is down: nothing reaches anyone, not even its sender
            w.run(Duration.ofSeconds(10));
            for (SimNode n : f.nodes()) {
                assertTrue(n.core().presence().cutOff(), n + " cannot hear itself");
                assertEquals(0, n.core().presence().onlineCount(), n + " counts no peer online while cut off");
            }
            w.run(OUTAGE.minusSeconds(10));
            long healed = w.now();
            f.bus().partition((r, e) -> false);
            assertTrue(w.runUntil(Duration.ofMinutes(3), () -> f.nodes().stream().allMatch(n -> finalAfter(n, healed)
                    .isPresent())), CheckpointSimulationTest.describe(f));
            for (SimNode n : f.nodes()) {
                CheckpointFinal fin = finalAfter(n, healed).orElseThrow();
                CheckpointTuple proposed = n.published().stream().filter(e -> e.type() == MessageType.CHECKPOINT_PROPOSAL)
                        .map(e -> ((CheckpointProposal) e.body()).tuple())
                        .filter(t -> t.asOf() == fin.tuple().asOf()).findFirst().orElseThrow();
                assertEquals(proposed, fin.tuple(), n + ": the votes agree with the proposer (seed " + seed + ")");
                assertEquals(1, fin.tuple().round(), n + ": settled in round 1 (seed " + seed + ")");
                long sinceStart = (fin.tuple().asOf() - began) / 1000;
                assertTrue(fin.tuple().totalUptime() >= sinceStart - 2, n + ": the outage is not downtime: "
                        + fin.tuple() + " after " + sinceStart + " s (seed " + seed + ")");
                assertEquals(0, fin.tuple().restarts(), n.toString());
            }
        }
    }

    @Test
    void aNodeCutOffAloneKeepsItsViewOfThePeersWhileTheyCountItsAbsence() throws Exception {
        SimFederation f = fed(31);
        SimWorld w = f.world();
        SimNode away = f.node(2);
        SimNode peer = f.node(3);
        w.run(Duration.ofSeconds(10));
        f.bus().partition((r, e) -> r == away || e.from().equals(away.id()));
        w.run(OUTAGE);
        assertTrue(away.core().presence().cutOff());
        assertEquals(6, away.core().presence().peers().values().stream().filter(p -> p.online()).count(),
                "no peer is declared silent by a node that cannot hear itself");
        assertEquals(5, peer.core().presence().onlineCount(), "the others saw it go silent");
        f.bus().partition((r, e) -> false);
        assertTrue(w.runUntil(Duration.ofSeconds(10), () -> away.core().presence().onlineCount() == 6
                && peer.core().presence().onlineCount() == 6));
        long asOf = w.now();
        long own = peer.core().history().derive(peer.id(), null, asOf).totalUptime();
        assertEquals(own, away.core().history().derive(peer.id(), null, asOf).totalUptime(),
                "the cut-off node counts the peer up throughout");
        long seenOfAway = peer.core().history().derive(away.id(), null, asOf).totalUptime();
        long awaysOwn = away.core().history().derive(away.id(), null, asOf).totalUptime();
        assertTrue(awaysOwn - seenOfAway >= OUTAGE.toSeconds(), "its peers count its absence: " + seenOfAway + " of "
                + awaysOwn);
    }

    @Test
    void aPeerFoundInANewRunAfterTheObserversGapCountsAsRestarted() throws Exception {
        SimFederation f = fed(41);
        SimWorld w = f.world();
        SimNode observer = f.node(1);
        SimNode restarted = f.node(4);
        // All within the first 30 s, before any checkpoint: both sides derive from the first run on.
        w.run(Duration.ofSeconds(5));
        f.bus().partition((r, e) -> r == observer || e.from().equals(observer.id()));
        w.run(Duration.ofSeconds(5));
        restarted.crash();
        w.run(Duration.ofSeconds(10));
        restarted.start();
        w.run(Duration.ofSeconds(5));
        f.bus().partition((r, e) -> false);
        long newRun = restarted.core().presence().startedAt();
        assertTrue(w.runUntil(Duration.ofSeconds(10), () -> observer.core().presence().peers().get(restarted.id())
                .startedAt() == newRun && observer.core().presence().onlineCount() == 6));
        long asOf = w.now();
        UptimeStats seen = observer.core().history().derive(restarted.id(), null, asOf);
        UptimeStats own = restarted.core().history().derive(restarted.id(), null, asOf);
        assertEquals(1, seen.restarts(), "the new run is seen");
        assertEquals(own.restarts(), seen.restarts(), seen + " vs " + own);
        // The old run ended unseen: dated at the last heartbeat the observer heard before its gap, as a silence is
        // (the node itself dates its end at its last ledger entry, no earlier than that).
        assertTrue(seen.totalUptime() <= own.totalUptime() && own.totalUptime() - seen.totalUptime() <= 6,
                seen + " vs " + own);
    }
}
