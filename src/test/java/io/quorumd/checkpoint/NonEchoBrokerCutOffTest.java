package io.quorumd.checkpoint;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.sim.SimBus;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a broker that does not hand a client its own messages (EMQX with ignore_loop_deliver, an MQTT 5 no-local
 * subscription, some bridges) a node counts silence as if it could always hear. One heartbeat of its own that
 * does reach it (a member's copy published on its presence topic where ACLs allow) does not cut it off: its
 * peers heard for offlineAfter with none of its own show the broker does not echo. It goes on proposing, and a
 * hung peer is declared silent as an honest witness declares it.
 */
class NonEchoBrokerCutOffTest {
    @TempDir
    Path dir;

    @Test
    void oneOwnHeartbeatOnANonEchoingBrokerDoesNotCutTheNodeOff() throws Exception {
        SimWorld w = new SimWorld(7, 1_800_000_000_000L);
        SimFederation f = new SimFederation(w, new SimBus(w, 0, 0, 200), dir, SimFederation.Options.fast(7));
        // A broker that never hands a client its own publications.
        f.bus().partition((r, e) -> r instanceof SimNode n && n.id().equals(e.from()));
        f.startAll();
        SimNode victim = f.node(1);
        SimNode hung = f.node(4);
        SimNode witness = f.node(2);
        w.run(Duration.ofSeconds(45));
        assertTrue(victim.published().stream().anyMatch(e -> e.type() == MessageType.CHECKPOINT_FINAL),
                "before: the node checkpoints as before on a non-echoing broker; cutOff=" + victim.core().presence().cutOff());

        // Eve replays one of the victim's own heartbeats to it (or: the retained one of its previous run on subscribe).
        Envelope own = victim.published().stream().filter(e -> e.type() == MessageType.PRESENCE_HEARTBEAT).findFirst()
                .orElseThrow();
        victim.receive(victim.topics().presence(victim.id()), own, false);
        long armed = w.now();
        // A peer hangs: its process stops sending, its connection (and so its will) stays.
        f.bus().partition((r, e) -> (r instanceof SimNode n && n.id().equals(e.from())) || e.from().equals(hung.id()));
        w.run(Duration.ofSeconds(120));

        String state = "cutOff=" + victim.core().presence().cutOff() + " online=" + victim.core().presence().onlineCount()
                + " hung seen online by victim=" + victim.core().presence().peers().get(hung.id()).online()
                + " by witness=" + witness.core().presence().peers().get(hung.id()).online();
        long proposalsAfter = victim.published().stream().filter(e -> e.type() == MessageType.CHECKPOINT_PROPOSAL
                && e.ts() > armed).count();
        long asOf = w.now();
        long victimSays = victim.core().history().derive(hung.id(), null, asOf).totalUptime();
        long witnessSays = witness.core().history().derive(hung.id(), null, asOf).totalUptime();
        state += " proposals after=" + proposalsAfter + " hung uptime victim=" + victimSays + "s witness=" + witnessSays + "s";
        assertFalse(victim.core().presence().cutOff(), state);
        assertTrue(proposalsAfter > 0, "interval is 30 s: the node should propose again; " + state);
        assertFalse(victim.core().presence().peers().get(hung.id()).online(), state);
    }
}
