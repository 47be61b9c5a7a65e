package io.quorumd.checkpoint;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.sim.SimBus;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An observer that restarts replays a peer's open run from its ledger; if the peer died while the observer was
 * down, the observer hears only its retained will (no transition: the fresh presence machine does not know the
 * peer) or nothing. Its own boot closes the peer's run at its last sign of life, so the dead peer is not credited
 * for ever; the same run heard again goes on as if never closed.
 */
class ObserverRestartOpenRunTest {
    @TempDir
    Path dir;

    @Test
    void aPeerThatDiedWhileTheObserverWasDownIsNotCreditedForever() throws Exception {
        SimWorld w = new SimWorld(11, 1_800_000_000_000L);
        SimFederation f = new SimFederation(w, new SimBus(w, 0, 0, 200), dir, SimFederation.Options.fast(7));
        f.startAll();
        SimNode observer = f.node(1);
        SimNode dead = f.node(4);
        SimNode witness = f.node(2);
        w.run(Duration.ofSeconds(10));
        observer.crash();
        w.run(Duration.ofSeconds(5));
        dead.crash();
        w.run(Duration.ofSeconds(5));
        observer.start();
        w.run(Duration.ofSeconds(300));
        long asOf = w.now();
        long seen = observer.core().history().derive(dead.id(), null, asOf).totalUptime();
        long truth = witness.core().history().derive(dead.id(), null, asOf).totalUptime();
        assertTrue(seen - truth < 60, "observer credits " + seen + " s, witness " + truth + " s");
    }
}
