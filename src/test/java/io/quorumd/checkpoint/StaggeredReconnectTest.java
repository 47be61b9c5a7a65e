package io.quorumd.checkpoint;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.sim.SimBus;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.CheckpointVote;
import io.quorumd.wire.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After an outage of the whole broker the nodes reconnect at different times (each its own backoff, capped at
 * mqtt.reconnectMax, plus connect attempts of up to connectTimeout + 2 s). With fast() timings (heartbeat 1 s,
 * offlineAfter 4 s) two nodes reconnect 5 s before the others: they see the late ones silent, but only from when
 * they could hear again, so the votes stay within tolerance of every proposer.
 */
class StaggeredReconnectTest {
    @TempDir
    Path dir;

    @Test
    void nodesThatReconnectEarlyStillApproveTheLateOnesAfterAWholeBrokerOutage() throws Exception {
        SimWorld w = new SimWorld(21, 1_800_000_000_000L);
        SimFederation f = new SimFederation(w, new SimBus(w, 0, 0, 200), dir, SimFederation.Options.fast(7));
        f.startAll();
        w.run(Duration.ofSeconds(40));
        Set<SimNode> connected = new HashSet<>();
        f.bus().partition((r, e) -> true);
        w.run(Duration.ofSeconds(60));
        long healed = w.now();
        connected.add(f.node(1));
        connected.add(f.node(2));
        f.bus().partition((r, e) -> !(connected.contains(r) && connected.stream().anyMatch(n -> n.id().equals(e.from()))));
        w.run(Duration.ofSeconds(5));
        f.bus().partition((r, e) -> false);
        w.run(Duration.ofSeconds(20));
        List<String> against = f.nodes().stream().flatMap(n -> n.published().stream()
                        .filter(e -> e.type() == MessageType.CHECKPOINT_VOTE && e.ts() >= healed)
                        .filter(e -> !((CheckpointVote) e.body()).approve())
                        .map(e -> n.name() + " against " + ((CheckpointVote) e.body()).tuple().subjectId().substring(0, 6)))
                .toList();
        String finals = f.nodes().stream().flatMap(n -> n.published().stream()
                        .filter(e -> e.type() == MessageType.CHECKPOINT_FINAL && e.ts() >= healed)
                        .map(e -> n.name() + " round " + ((CheckpointFinal) e.body()).tuple().round()))
                .collect(Collectors.joining(", "));
        assertTrue(against.isEmpty(), "after the outage: " + against + "; finals: " + finals);
    }
}
