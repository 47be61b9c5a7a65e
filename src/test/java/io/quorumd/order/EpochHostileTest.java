package io.quorumd.order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeKey;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.Role;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Attacks on epochs and roster changes by a member that signs anything, and an operator's mistakes; each test
 * asserts what the design promises, in the seeded federation simulation.
 */
class EpochHostileTest {
    private static final Duration LIMIT = Duration.ofMinutes(2);

    /** A member that is not a replica that misses one order.committed (1 s outage) catches up by asking for the next batch. */
    @Test
    void passiveMemberRecoversFromABriefOutage() {
        FederationSim sim = new FederationSim(3, 4);
        List<FederationSim.Node> founders = List.copyOf(sim.nodes);
        NodeKey fifth = FederationSim.key(9);
        Envelope add = FederationSim.addRequest(founders.get(0), "node-5", fifth, EnumSet.of(Role.VOTER), sim);
        founders.get(1).endorse(add);
        founders.get(2).endorse(add);
        assertTrue(sim.runUntil(LIMIT, () -> FederationSim.allAt(founders, 1)));
        FederationSim.Node five = sim.join("node-5", fifth, founders.get(0).state());
        assertTrue(five.federation.current().passive());

        Envelope a = founders.get(0).noop("a");
        assertTrue(sim.runUntil(LIMIT, () -> FederationSim.executedBy(five, a)), "control: the follower follows without loss");

        sim.cut.add(five);                        // a 1 s disconnect
        Envelope b = founders.get(1).noop("b");
        assertTrue(sim.runUntil(LIMIT, () -> founders.stream().allMatch(x -> FederationSim.executedBy(x, b))));
        sim.runUntil(Duration.ofSeconds(1), () -> false);
        sim.cut.remove(five);
        Envelope c = founders.get(2).noop("c");
        assertTrue(sim.runUntil(LIMIT, () -> founders.stream().allMatch(x -> FederationSim.executedBy(x, c))));
        sim.runUntil(Duration.ofMinutes(5), () -> FederationSim.executedBy(five, c));
        assertTrue(FederationSim.executedBy(five, c), "follower stuck at seq " + five.federation.current().lastExecuted()
                + " while replicas are at " + founders.get(0).federation.current().lastExecuted());
    }

    /** A replica that misses a seq inside an epoch catches up by fetch. */
    @Test
    void controlReplicaLaggingInsideAnEpochCatchesUp() {
        FederationSim sim = new FederationSim(4, 7);
        List<FederationSim.Node> founders = List.copyOf(sim.nodes);
        FederationSim.Node six = founders.get(5);
        sim.cut.add(six);
        Envelope a = founders.get(0).noop("a");
        List<FederationSim.Node> live = founders.stream().filter(x -> x != six).toList();
        assertTrue(sim.runUntil(LIMIT, () -> live.stream().allMatch(x -> FederationSim.executedBy(x, a))));
        sim.runUntil(Duration.ofSeconds(5), () -> false);
        sim.cut.remove(six);
        Envelope b = founders.get(1).noop("b");
        sim.runUntil(Duration.ofMinutes(5), () -> FederationSim.executedBy(six, b));
        assertTrue(FederationSim.executedBy(six, b), "six at " + six.federation.current().lastExecuted() + " refusals " + six.refusals);
    }

    /** The same lag across an epoch change heals too: a message of the later epoch makes it ask. */
    @Test
    void replicaLaggingAcrossAnEpochChangeCatchesUp() {
        FederationSim sim = new FederationSim(4, 7);
        List<FederationSim.Node> founders = List.copyOf(sim.nodes);
        FederationSim.Node six = founders.get(5);
        sim.cut.add(six);
        Envelope add = FederationSim.addRequest(founders.get(0), "node-8", FederationSim.key(8), EnumSet.of(Role.VOTER), sim);
        for (int i = 1; i <= 4; i++) {
            founders.get(i).endorse(add);
        }
        List<FederationSim.Node> live = founders.stream().filter(x -> x != six).toList();
        assertTrue(sim.runUntil(LIMIT, () -> FederationSim.allAt(live, 1)));
        sim.runUntil(Duration.ofSeconds(5), () -> false);
        sim.cut.remove(six);
        Envelope b = founders.get(1).noop("b");
        assertTrue(sim.runUntil(LIMIT, () -> live.stream().allMatch(x -> FederationSim.executedBy(x, b))));
        sim.runUntil(Duration.ofMinutes(5), () -> six.state().epoch() == 1);
        assertEquals(1, six.state().epoch(), "node-6 stranded in epoch 0; refusals " + six.refusals);
    }

    private static int grind = 1;

    /** A fresh key whose node id sorts before every id in {@code others}: primary of view 0 of the next epoch. */
    private static NodeKey smallestIdKey(List<io.quorumd.crypto.NodeId> others) {
        while (true) {
            byte[] seed = new byte[32];
            seed[0] = (byte) grind;
            seed[1] = (byte) (grind >> 8);
            seed[2] = 99;
            grind++;
            NodeKey k = NodeKey.fromSeed(seed);
            if (others.stream().allMatch(o -> k.nodeId().hex().compareTo(o.hex()) < 0)) {
                return k;
            }
        }
    }

    private static Envelope rotate(FederationSim.Node who, NodeKey next, FederationSim sim) {
        who.nextKey = next;
        Bytes pop = next.sign(RosterOp.popMessage(RosterOp.ROTATE, who.state().epoch(), who.name, next.publicKey(), sim.world.now()));
        return who.request(RosterOp.ROTATE, RosterOp.rotateArgs(next.publicKey(), pop));
    }

    private static List<Envelope> endorsements(List<FederationSim.Node> by, Envelope request) {
        return by.stream().map(x -> x.sign(io.quorumd.wire.MessageType.ORDER_ENDORSE,
                new io.quorumd.wire.OrderEndorse(x.state().epoch(), request.contentId()))).toList();
    }

    /**
     * A member about to be removed cannot close the epoch with a rotation of its own (which would drop the
     * removal and its endorsements, and let it pick a key that makes it primary of the next epoch): a rotation
     * needs ⌈2m/3⌉ approvals like any roster change.
     */
    @Test
    void aQuorumEndorsedRemovalOfAHostileMemberExecutes() {
        FederationSim sim = new FederationSim(7, 5);
        List<FederationSim.Node> nodes = List.copyOf(sim.nodes);
        FederationSim.Node hostile = nodes.get(4);
        Envelope remove = nodes.get(0).request(RosterOp.REMOVE, RosterOp.removeArgs(hostile.key.nodeId()));
        List<io.quorumd.crypto.NodeId> others = nodes.stream().filter(x -> x != hostile).map(x -> x.key.nodeId()).toList();
        rotate(hostile, smallestIdKey(others), sim);
        sim.runUntil(Duration.ofSeconds(2), () -> false);
        assertEquals(0, nodes.get(0).state().epoch(), "an unendorsed rotation closes no epoch");
        for (int i = 1; i <= 3; i++) {
            nodes.get(i).endorse(remove);
        }
        assertTrue(sim.runUntil(LIMIT, () -> FederationSim.allAt(nodes.subList(0, 4), 1)));
        assertTrue(nodes.get(0).state().roster().byId(hostile.key.nodeId()).isEmpty());
        assertEquals(List.of(RosterOp.REMOVE), nodes.get(0).results.stream().map(FederationState.Result::op).toList());
    }

    /** A hostile replica that keeps asking for rotations nobody endorses neither closes epochs nor censors anyone. */
    @Test
    void aHostileMemberCannotCensorWithRotations() {
        FederationSim sim = new FederationSim(7, 4);
        List<FederationSim.Node> nodes = List.copyOf(sim.nodes);
        FederationSim.Node hostile = nodes.get(3);
        sim.drop = (to, env) -> to == hostile && env.type() == io.quorumd.wire.MessageType.ORDER_REQUEST;
        List<io.quorumd.crypto.NodeId> others = nodes.stream().filter(x -> x != hostile).map(x -> x.key.nodeId()).toList();
        for (int i = 0; i < 5; i++) {
            rotate(hostile, smallestIdKey(others), sim);
        }
        Envelope honest = nodes.get(0).noop("please order me");
        assertTrue(sim.runUntil(LIMIT, () -> nodes.subList(0, 3).stream().allMatch(x -> FederationSim.executedBy(x, honest))));
        assertEquals(0, nodes.get(0).state().epoch());
    }

    /**
     * A roster change that execution refuses (here a rotation to the member's own current key) holds back the
     * batches above it only until it executes: requests that arrived meanwhile are ordered without a view change.
     */
    @Test
    void aRefusedRosterOpDoesNotStallOtherRequests() {
        FederationSim sim = new FederationSim(12, 4);
        sim.maxDelayMs = 300;
        List<FederationSim.Node> nodes = List.copyOf(sim.nodes);
        FederationSim.Node hostile = nodes.get(3);
        NodeKey own = hostile.key;
        Bytes pop = own.sign(RosterOp.popMessage(RosterOp.ROTATE, hostile.state().epoch(), hostile.name, own.publicKey(), sim.world.now()));
        Envelope bogus = hostile.request(RosterOp.ROTATE, RosterOp.rotateArgs(own.publicKey(), pop));
        nodes.get(0).endorse(bogus);
        nodes.get(1).endorse(bogus);
        assertTrue(sim.runUntil(LIMIT, () -> sim.wire.stream().anyMatch(e -> e.type() == io.quorumd.wire.MessageType.ORDER_PREPREPARE)));
        long t0 = sim.world.now();
        Envelope honest = nodes.get(1).noop("behind the refused op");
        assertTrue(sim.runUntil(LIMIT, () -> nodes.stream().allMatch(x -> FederationSim.executedBy(x, honest))));
        long waited = sim.world.now() - t0;
        assertEquals("that public key is or was a member's", nodes.get(0).results.get(0).reason());
        assertEquals(0, nodes.get(0).federation.current().view());
        assertTrue(waited < 2_000, "the honest request waited " + waited + " ms (a view change)");
    }

    /**
     * A primary that sends seq s + 1 before the roster change at s: no replica accepts both, whichever arrives
     * first, so no commit proof exists for a seq of an epoch above the seq that closed it.
     */
    @Test
    void nothingCommitsAboveARosterOpOfTheSameEpoch() {
        FederationSim sim = new FederationSim(13, 4);
        List<FederationSim.Node> nodes = List.copyOf(sim.nodes);
        FederationSim.Node primary = nodes.get(0);
        assertEquals(primary.key.nodeId(), primary.federation.current().replicaSet().primary(0));
        sim.cut.add(primary);                                  // it speaks only through the forged messages below
        Envelope victim = nodes.get(1).noop("victim");
        NodeKey next = FederationSim.key(70);
        Bytes pop = next.sign(RosterOp.popMessage(RosterOp.ROTATE, primary.state().epoch(), primary.name, next.publicKey(), sim.world.now()));
        Envelope rot = primary.sign(io.quorumd.wire.MessageType.ORDER_REQUEST, new io.quorumd.wire.OrderRequest(0,
                RosterOp.ROTATE, RosterOp.rotateArgs(next.publicKey(), pop), sim.world.now()));
        sim.runUntil(Duration.ofMillis(100), () -> false);
        long ts = sim.world.now();
        io.quorumd.wire.OrderBatch b2 = new io.quorumd.wire.OrderBatch(0, 2, ts + 1,
                List.of(new io.quorumd.wire.OrderItem(victim, List.of())));
        io.quorumd.wire.OrderBatch b1 = new io.quorumd.wire.OrderBatch(0, 1, ts,
                List.of(new io.quorumd.wire.OrderItem(rot, endorsements(nodes.subList(1, 3), rot))));
        for (io.quorumd.wire.OrderBatch b : List.of(b2, b1)) {            // seq 2 first
            Envelope pp = primary.sign(io.quorumd.wire.MessageType.ORDER_PREPREPARE, io.quorumd.wire.OrderPreprepare.of(0, b));
            Envelope prep = primary.sign(io.quorumd.wire.MessageType.ORDER_PREPARE,
                    new io.quorumd.wire.OrderVote(0, 0, b.seq(), b.digest()));
            for (FederationSim.Node x : nodes.subList(1, 4)) {
                x.deliver(FederationSim.TOPICS.orderVote(), pp);
                x.deliver(FederationSim.TOPICS.orderVote(), prep);
            }
            sim.runUntil(Duration.ofMillis(200), () -> false);
        }
        sim.runUntil(Duration.ofSeconds(5), () -> false);
        long rosterCommits = committers(sim, 1, b1.digest());
        long aboveCommits = committers(sim, 2, b2.digest());
        assertTrue(rosterCommits < 3 || aboveCommits < 3, "seq 1 (roster change) has " + rosterCommits
                + " commit signers and seq 2 above it " + aboveCommits + " (q = 3)");
        assertTrue(nodes.subList(1, 4).stream().allMatch(x -> x.refused("epoch_pending") >= 1));
    }

    private static long committers(FederationSim sim, long seq, String digest) {
        return sim.wire.stream().filter(e -> e.type() == io.quorumd.wire.MessageType.ORDER_COMMIT
                && e.body() instanceof io.quorumd.wire.OrderVote v && v.epoch() == 0 && v.seq() == seq
                && v.digest().equals(digest)).map(Envelope::from).distinct().count();
    }

    /**
     * An operator who adds members that are not running yet cannot wedge the federation: a new member joins
     * without the replica role (q grows only when a running member is made a replica), so ordering goes on.
     */
    @Test
    void addingReplicasThatAreNotUpYetCannotWedgeTheFederation() {
        FederationSim sim = new FederationSim(17, 4);
        List<FederationSim.Node> nodes = List.copyOf(sim.nodes);
        Envelope add = FederationSim.addRequest(nodes.get(0), "late", FederationSim.key(120), EnumSet.of(Role.VOTER, Role.REPLICA), sim);
        nodes.get(1).endorse(add);
        nodes.get(2).endorse(add);
        Envelope probe = nodes.get(1).noop("anyone there?");
        assertTrue(sim.runUntil(LIMIT, () -> nodes.stream().allMatch(x -> FederationSim.executedBy(x, probe))));
        assertTrue(nodes.stream().allMatch(x -> x.refused("bad_request") >= 1 && x.state().epoch() == 0));
    }
}
