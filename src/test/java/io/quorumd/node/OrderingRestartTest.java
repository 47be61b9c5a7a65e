package io.quorumd.node;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeKey;
import io.quorumd.order.RosterOp;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.Role;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole nodes ordering in the simulation, then restarting: what the ordered roster admitted or removed is
 * judged the same way at replay as it was live, an operator's contradicting config is refused at start, and
 * members that are not replicas take part in approving changes.
 */
class OrderingRestartTest {
    @TempDir
    Path dir;

    static long epoch(SimNode n) {
        return n.core().ordering().orElseThrow().federation().state().epoch();
    }

    static SimFederation withFifth(Path dir, NodeKey fifth) throws Exception {
        SimFederation f = SimFederation.started(7, dir, SimFederation.Options.fast(4).withReplicas(4), 20);
        SimWorld w = f.world();
        w.run(Duration.ofSeconds(5));
        long at = w.now();
        Bytes pop = fifth.sign(RosterOp.popMessage(RosterOp.ADD, 0, "node-5", fifth.publicKey(), at));
        String id = f.node(1).control(c -> c.ordering().orElseThrow().propose(RosterOp.ADD,
                RosterOp.addArgs("node-5", fifth.publicKey(), Set.of(Role.VOTER), pop), at));
        w.run(Duration.ofSeconds(1));
        for (int i = 2; i <= 3; i++) {
            f.node(i).control(c -> {
                c.ordering().orElseThrow().endorse(id);
                return null;
            });
        }
        assertTrue(w.runUntil(Duration.ofSeconds(60), () -> f.nodes().stream().allMatch(n -> epoch(n) == 1)),
                "node-5 admitted on every node");
        return f;
    }

    @Test
    void aDisputeOpenedByAnAdmittedMemberDoesNotBrickARestart() throws Exception {
        NodeKey fifth = NodeKey.fromSeed(new byte[32]);
        SimFederation f = withFifth(dir, fifth);
        SimWorld w = f.world();
        SimNode two = f.node(2);
        DisputeOpen open = new DisputeOpen("pay-9", fifth.nodeId(), f.node(1).id(), 5, "r", List.of(), w.now());
        Envelope env = new EnvelopeSigner(fifth, w.clock()).sign(MessageType.DISPUTE_OPEN, open);
        f.bus().publish(two.topics().arbiterPropose(), env, false);
        w.run(Duration.ofSeconds(2));
        assertTrue(two.core().arbiter().orElseThrow().dispute(open.disputeId()).isPresent(), "node-2 took the open live");
        two.stop();
        assertDoesNotThrow(two::start, "node-2 restarts on its own ledger");
    }

    @Test
    void switchingOrderingOffAfterItBeganIsRefusedAtStart() throws Exception {
        SimFederation f = SimFederation.started(9, dir, SimFederation.Options.fast(5).withReplicas(4), 20);
        SimWorld w = f.world();
        w.run(Duration.ofSeconds(5));
        SimNode five = f.node(5);
        String id = f.node(1).control(c -> c.ordering().orElseThrow().propose(RosterOp.REMOVE,
                RosterOp.removeArgs(five.id()), 0));
        w.run(Duration.ofSeconds(1));
        for (int i = 2; i <= 4; i++) {
            f.node(i).control(c -> {
                c.ordering().orElseThrow().endorse(id);
                return null;
            });
        }
        assertTrue(w.runUntil(Duration.ofSeconds(60), () -> f.nodes().subList(0, 4).stream().allMatch(n -> epoch(n) == 1)),
                "node-5 removed");
        SimNode two = f.node(2);
        two.stop();
        two.reconfigure(f.reconfigured(2, y -> y + "order:\n  enabled: off\n"));
        Exception refused = assertThrows(Exception.class, two::start);
        assertTrue(String.valueOf(refused.getMessage()).contains("order.enabled")
                || String.valueOf(refused.getCause()).contains("order.enabled"), refused.toString());
    }

    @Test
    void membersWithoutTheReplicaRoleCanEndorseSoARosterChangeCanPass() throws Exception {
        SimFederation f = SimFederation.started(11, dir, SimFederation.Options.fast(7).withReplicas(4), 20);
        SimWorld w = f.world();
        w.run(Duration.ofSeconds(5));
        SimNode seven = f.node(7);
        String id = f.node(1).control(c -> c.ordering().orElseThrow().propose(RosterOp.REMOVE,
                RosterOp.removeArgs(seven.id()), 0));
        w.run(Duration.ofSeconds(1));
        List<String> refused = new java.util.ArrayList<>();
        for (int i = 2; i <= 6; i++) {
            int k = i;
            f.node(i).control(c -> {
                try {
                    c.ordering().orElseThrow().endorse(id);
                } catch (ControlCommands.Refused e) {
                    refused.add("node-" + k + ": " + e.getMessage());
                }
                return null;
            });
        }
        assertEquals(List.of(), refused, "a follower endorses what it holds as pending");
        boolean done = w.runUntil(Duration.ofSeconds(120), () -> f.nodes().subList(0, 6).stream().allMatch(n -> epoch(n) == 1));
        assertTrue(done, "every member but the target endorsed the removal, yet it never executes: " + refused);
    }

    @Test
    void aDaemonRefusesToRotateItsOwnKeyUntilItCanTakeTheNextOne() throws Exception {
        SimFederation f = SimFederation.started(13, dir, SimFederation.Options.fast(4).withReplicas(4), 20);
        SimWorld w = f.world();
        w.run(Duration.ofSeconds(5));
        SimNode two = f.node(2);
        NodeKey next = NodeKey.fromSeed(new byte[] {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
                9, 9, 9, 9, 9, 9, 9, 9});
        long at = w.now();
        Bytes pop = next.sign(RosterOp.popMessage(RosterOp.ROTATE, 0, "node-2", next.publicKey(), at));
        assertThrows(ControlCommands.Refused.class, () -> two.control(c -> c.ordering().orElseThrow().propose(
                RosterOp.ROTATE, RosterOp.rotateArgs(next.publicKey(), pop), at)));
        w.run(Duration.ofSeconds(5));
        assertTrue(f.nodes().stream().allMatch(n -> epoch(n) == 0));
    }

    @Test
    void aRemovedMembersKeyStopsAtTheGateOnceTheEpochIsCertified() throws Exception {
        SimFederation f = SimFederation.started(17, dir, SimFederation.Options.fast(6).withReplicas(4), 20);
        SimWorld w = f.world();
        w.run(Duration.ofSeconds(5));
        SimNode six = f.node(6);
        String id = f.node(1).control(c -> c.ordering().orElseThrow().propose(RosterOp.REMOVE,
                RosterOp.removeArgs(six.id()), 0));
        w.run(Duration.ofSeconds(1));
        for (int i = 2; i <= 4; i++) {
            f.node(i).control(c -> {
                c.ordering().orElseThrow().endorse(id);
                return null;
            });
        }
        assertTrue(w.runUntil(Duration.ofSeconds(60), () -> f.nodes().subList(0, 5).stream().allMatch(n -> epoch(n) == 1)),
                "node-6 removed");
        w.run(Duration.ofMinutes(5));
        Envelope cp = six.sign(MessageType.ORDER_CHECKPOINT, new io.quorumd.wire.OrderCheckpoint(0, 99, "ab".repeat(32)),
                w.now());
        assertTrue(f.node(1).core().signerOf(cp).isEmpty(), "replica refuses the removed key after certification");
        assertTrue(f.node(5).core().signerOf(cp).isEmpty(), "follower refuses the removed key after certification");
    }
}
