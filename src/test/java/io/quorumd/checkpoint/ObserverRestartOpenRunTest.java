package io.quorumd.checkpoint;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.sim.SimBus;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.Heartbeat;
import io.quorumd.wire.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An observer that restarts replays a peer's open run from its ledger; if the peer died while the observer was
 * down, the observer hears only its retained will (no transition: the fresh presence machine does not know the
 * peer) or nothing. Its own boot closes the peer's run at its last sign of life, so the dead peer is not credited
 * for ever. The same run heard again within the resume window after the boot goes on as if never closed; heard
 * later (a member signs any startedAt: "the same run" ten minutes on), it counts from then, as for every observer.
 */
class ObserverRestartOpenRunTest {
    @TempDir
    Path dir;

    private SimFederation fed(SimWorld w) throws Exception {
        SimFederation f = new SimFederation(w, new SimBus(w, 0, 0, 200), dir, SimFederation.Options.fast(7));
        f.startAll();
        return f;
    }

    @Test
    void aPeerThatDiedWhileTheObserverWasDownIsNotCreditedForever() throws Exception {
        SimWorld w = new SimWorld(11, 1_800_000_000_000L);
        SimFederation f = fed(w);
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

    private static long lastSeq(SimNode n) {
        return n.published().stream().filter(e -> e.type() == MessageType.PRESENCE_HEARTBEAT)
                .mapToLong(e -> ((Heartbeat) e.body()).seq()).max().orElseThrow();
    }

    @Test
    void aPeerHeardInTheSameRunLongAfterTheObserversBootIsNotCreditedItsDowntime() throws Exception {
        SimWorld w = new SimWorld(11, 1_800_000_000_000L);
        SimFederation f = fed(w);
        SimNode observer = f.node(1);
        SimNode witness = f.node(2);
        SimNode hostile = f.node(4);
        w.run(Duration.ofSeconds(10));
        long run = hostile.core().presence().startedAt();
        observer.crash();
        w.run(Duration.ofSeconds(2));
        hostile.crash(); // its will is published and retained
        long seq = lastSeq(hostile);
        w.run(Duration.ofSeconds(3));
        observer.start(); // gets the retained will: the peer is known offline, but no transition is written
        w.run(Duration.ofSeconds(600));
        // a member signs any startedAt: "the same run" again, seq going on
        Envelope hb = hostile.sign(MessageType.PRESENCE_HEARTBEAT, new Heartbeat(run, seq + 1), w.now());
        f.bus().publish(hostile.topics().presence(hostile.id()), hb, true);
        w.run(Duration.ofSeconds(1));
        long asOf = w.now();
        long seen = observer.core().history().derive(hostile.id(), null, asOf).totalUptime();
        long truth = witness.core().history().derive(hostile.id(), null, asOf).totalUptime();
        assertTrue(seen - truth < 60, "restarted observer credits " + seen + " s, witness " + truth + " s");
    }
}
