package io.quorumd.delivery;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.sim.SimBus;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After a reconnect the node asks a peer to sync RECONNECT_SETTLE (2 s) after the resubscribe. If it has not
 * heard again by then it is still cut off, knows no peer online, and waits for one; peers that stayed online
 * only resume, and that must start the wait's sync too, also with a peer that vouched for this node at boot
 * (in a federation of 2 that is every peer).
 */
class ReconnectSyncAfterCutOffTest {
    @TempDir
    Path dir;

    @Test
    void theReconnectSyncRunsOnceTheNodeHearsItselfAgain() throws Exception {
        SimWorld w = new SimWorld(5, 1_800_000_000_000L);
        SimFederation f = new SimFederation(w, new SimBus(w, 0, 0, 200), dir, SimFederation.Options.fast(2));
        f.startAll();
        SimNode a = f.node(1);
        w.run(Duration.ofSeconds(20));
        assertTrue(a.core().sync().caughtUp());
        f.bus().partition((r, e) -> r == a || e.from().equals(a.id())); // a's connection is down
        w.run(Duration.ofSeconds(30));
        assertTrue(a.core().presence().cutOff());
        // a reconnects; its session's queue comes first, its own heartbeat only 3 s later.
        a.control(c -> {
            c.sync().reconnected();
            return null;
        });
        long reconnected = w.now();
        f.bus().partition((r, e) -> r == a && e.from().equals(a.id()));
        w.run(Duration.ofSeconds(3));
        f.bus().partition((r, e) -> false);
        w.run(Duration.ofSeconds(60));
        long asked = a.published().stream().filter(e -> e.type() == MessageType.SYNC_REQUEST && e.ts() >= reconnected)
                .count();
        assertTrue(asked > 0, "no sync request in the 63 s after the reconnect; cutOff=" + a.core().presence().cutOff()
                + " online=" + a.core().presence().onlineCount());
    }
}
