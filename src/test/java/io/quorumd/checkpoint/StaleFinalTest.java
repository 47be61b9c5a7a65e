package io.quorumd.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.NodeId;
import io.quorumd.sim.SimBus;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A valid final older than the subject's latest stored one is not kept: that drop is a counted reject
 * ({@code stale_final}), like every other reason a checkpoint message goes unused.
 */
class StaleFinalTest {
    @TempDir
    Path dir;

    @Test
    void olderFinalAfterANewerOneIsCountedAsStaleFinal() throws Exception {
        SimWorld world = new SimWorld(71, 1_800_000_000_000L);
        SimFederation.Options o = new SimFederation.Options(4, 2, Duration.ofSeconds(1), Duration.ofSeconds(4),
                Duration.ofSeconds(30), Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ZERO, Duration.ofSeconds(2))
                .withYaml("sync:\n  enabled: false\n");
        SimFederation f = new SimFederation(world, new SimBus(world, 0, 0, 5), dir, o);
        for (SimNode n : f.nodes().subList(0, 3)) {
            n.start();
        }
        SimNode subject = f.node(1);
        assertTrue(world.runUntil(Duration.ofSeconds(120), () -> finalsOf(f, subject.id()).size() >= 2),
                "two checkpoints of node-1 while node-4 is down, seed " + world.seed());
        List<Envelope> finals = finalsOf(f, subject.id());
        Envelope older = finals.get(0);
        Envelope newer = finals.get(finals.size() - 1);

        SimNode late = f.node(4);
        late.start();
        world.run(Duration.ofSeconds(3));
        String topic = late.topics().checkpointFinal(subject.id().hex());
        late.receiveRaw(topic, newer.encode());
        late.receiveRaw(topic, older.encode());

        assertEquals(((CheckpointFinal) newer.body()).checkpointId(), late.core().checkpoints().latest(subject.id())
                .orElseThrow().checkpoint().checkpointId(), "the newer final stays the latest");
        assertEquals(1, late.metrics().protocolRejects("stale_final"), late.metrics().rejectSummary());
    }

    /** node {@code subject}'s distinct finals, as published, oldest first. */
    private static List<Envelope> finalsOf(SimFederation f, NodeId subject) {
        return f.nodes().stream().flatMap(n -> n.published().stream()).filter(e -> e.type() == MessageType.CHECKPOINT_FINAL
                && ((CheckpointFinal) e.body()).tuple().subjectId().equals(subject.hex())).distinct()
                .sorted(Comparator.comparingLong(e -> ((CheckpointFinal) e.body()).tuple().asOf())).toList();
    }
}
