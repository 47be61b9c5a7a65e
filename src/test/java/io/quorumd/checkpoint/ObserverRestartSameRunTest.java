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
 * A peer's run suspended at an observer's boot (RunHistory.suspendPeers) is resumed only by the same run heard
 * within the resume window after the boot: a member that died while the observer restarted and, ten minutes
 * later, signs a heartbeat of "the same run" is counted from then, as by every other observer.
 */
class ObserverRestartSameRunTest {
    @TempDir
    Path dir;

    private static long lastSeq(SimNode n) {
        return n.published().stream().filter(e -> e.type() == MessageType.PRESENCE_HEARTBEAT)
                .mapToLong(e -> ((Heartbeat) e.body()).seq()).max().orElseThrow();
    }

    @Test
    void aPeerHeardInTheSameRunLongAfterTheObserversBootIsNotCreditedItsDowntime() throws Exception {
        SimWorld w = new SimWorld(11, 1_800_000_000_000L);
        SimFederation f = new SimFederation(w, new SimBus(w, 0, 0, 200), dir, SimFederation.Options.fast(7));
        f.startAll();
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
