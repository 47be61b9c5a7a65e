package io.quorumd.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.CheckpointProposal;
import io.quorumd.wire.CheckpointTuple;
import io.quorumd.wire.CheckpointVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointOrderTest {
    @TempDir
    Path dir;

    /**
     * A subject proposes round 1 and then round 2 for the same asOf, gets votes for both and builds two
     * valid finals. Finals are ranked by (asOf, round, id), so nodes that got them in different orders keep
     * the same latest checkpoint and chain their next votes to the same previous id.
     */
    @Test
    void twoFinalsForOneAsOfAreRankedTheSameWhateverTheirArrival() throws Exception {
        SimFederation f = SimFederation.started(401, dir, SimFederation.Options.fast(7), 5);
        SimWorld world = f.world();
        world.run(Duration.ofSeconds(3));
        SimNode x = f.node(1);
        long asOf = world.now();
        Envelope[] finals = new Envelope[2];
        for (int round = 1; round <= 2; round++) {
            CheckpointTuple t = new CheckpointTuple(x.id().hex(), asOf, 0, 3, 1_800_000_000L, "", round);
            f.bus().publish(x.topics().checkpointPropose(), x.sign(MessageType.CHECKPOINT_PROPOSAL,
                    new CheckpointProposal(t), world.now()), false);
            world.run(Duration.ofMillis(200));
            final int r = round;
            List<Envelope> votes = f.nodes().stream().flatMap(n -> n.published().stream())
                    .filter(e -> e.type() == MessageType.CHECKPOINT_VOTE
                            && ((CheckpointVote) e.body()).tuple().subjectId().equals(x.id().hex())
                            && ((CheckpointVote) e.body()).tuple().round() == r).toList();
            CheckpointTuple voted = ((CheckpointVote) votes.get(0).body()).tuple();
            List<Envelope> matching = votes.stream().filter(v -> ((CheckpointVote) v.body()).tuple().equals(voted)).toList();
            finals[round - 1] = x.sign(MessageType.CHECKPOINT_FINAL, new CheckpointFinal(voted, matching, Optional.empty()),
                    world.now());
        }
        String topic = x.topics().checkpointFinal(x.id().hex());
        f.node(2).receiveRaw(topic, finals[0].encode());
        f.node(2).receiveRaw(topic, finals[1].encode());
        f.node(3).receiveRaw(topic, finals[1].encode());
        f.node(3).receiveRaw(topic, finals[0].encode());
        String l2 = f.node(2).core().checkpoints().latest(x.id()).orElseThrow().checkpoint().checkpointId();
        String l3 = f.node(3).core().checkpoints().latest(x.id()).orElseThrow().checkpoint().checkpointId();
        assertTrue(f.node(2).metrics().protocolRejects("invalid_final") == 0);
        assertEquals(l2, l3, "the same two signed finals, the same latest checkpoint");
    }
}
