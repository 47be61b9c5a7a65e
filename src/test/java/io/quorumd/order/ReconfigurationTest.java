package io.quorumd.order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeKey;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.Role;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Roster changes ordered and applied at the same seq on every node, in the seeded federation simulation. */
class ReconfigurationTest {
    private static final Duration LIMIT = Duration.ofMinutes(2);

    @Test
    void anAddedMemberCountsFromTheSeqAfterItsAdditionOnEveryNodeAndARemovalShutsItOut() {
        FederationSim sim = new FederationSim(11, 7);
        List<FederationSim.Node> founders = List.copyOf(sim.nodes);
        NodeKey eighth = FederationSim.key(8);
        FederationSim.Node outsider = sim.join("node-8-early", eighth, founders.get(0).state());
        outsider.noop("before its addition");
        sim.runUntil(Duration.ofSeconds(2), () -> false);
        sim.nodes.remove(outsider);
        outsider.crashed = true;
        for (FederationSim.Node x : founders) {
            assertTrue(x.refused("unknown_sender") >= 1, x.name + " refused node-8 before its addition");
            assertTrue(x.results.isEmpty(), x.name + " executed nothing of node-8's");
        }

        Envelope add = FederationSim.addRequest(founders.get(0), "node-8", eighth, EnumSet.of(Role.VOTER), sim);
        for (int i = 1; i <= 3; i++) {
            founders.get(i).endorse(add);
        }
        sim.runUntil(Duration.ofSeconds(30), () -> false);
        assertTrue(FederationSim.allAt(founders, 0), "three endorsements and the requester are 4 of 7: not enough");
        founders.get(4).endorse(add);
        assertTrue(sim.runUntil(LIMIT, () -> FederationSim.allAt(founders, 1)), "the add executes with 5 of 7");

        FederationState.EpochChange change = founders.get(0).changes.get(0);
        for (FederationSim.Node x : founders) {
            assertEquals(change.startSeq(), x.changes.get(0).startSeq(), x.name);
            assertEquals(8, x.state().roster().size(), x.name);
            assertEquals(founders.get(0).state().digest(), x.state().digest(), x.name);
            assertEquals(1, x.results.stream().filter(r -> r.ok() && r.op().equals(RosterOp.ADD)).count(), x.name);
        }
        assertTrue(sim.runUntil(LIMIT, () -> founders.stream().allMatch(x -> x.certificates.containsKey(0L))),
                "every founder holds the certificate of epoch 0 at its closing seq");

        FederationSim.Node eight = sim.join("node-8", eighth, founders.get(0).state());
        // once it runs, node-8 is made a replica (a new member joins without the role)
        Envelope promote = founders.get(1).request(RosterOp.ROLES, RosterOp.rolesArgs(eighth.nodeId(),
                EnumSet.of(Role.VOTER, Role.REPLICA)));
        for (int i = 2; i <= 6; i++) {
            founders.get(i).endorse(promote);
        }
        List<FederationSim.Node> all = new java.util.ArrayList<>(founders);
        all.add(eight);
        assertTrue(sim.runUntil(LIMIT, () -> FederationSim.allAt(all, 2)), "node-8 becomes a replica on every node");
        // two founders stop: 6 of 8 replicas are left, q = 6, so nothing commits unless node-8's votes count
        founders.get(5).crashed = true;
        founders.get(6).crashed = true;
        List<FederationSim.Node> live = List.of(founders.get(0), founders.get(1), founders.get(2), founders.get(3),
                founders.get(4), eight);
        Envelope probe = eight.noop("node-8 orders");
        assertTrue(sim.runUntil(LIMIT, () -> FederationSim.allExecuted(live, probe)), "a request commits with node-8's votes");
        long probeSeq = founders.get(0).executed.lastKey();
        assertTrue(probeSeq > founders.get(0).changes.get(1).startSeq() - 1);
        assertTrue(founders.get(0).commitsAt.get(probeSeq).stream().anyMatch(c -> c.from().equals(eighth.nodeId())));

        Envelope remove = founders.get(0).request(RosterOp.REMOVE, RosterOp.removeArgs(eighth.nodeId()));
        // ⌈16/3⌉ = 6 of 8, the target not counting: the requester and five endorsements
        for (int i = 1; i <= 4; i++) {
            founders.get(i).endorse(remove);
        }
        founders.get(5).crashed = false;
        founders.get(6).crashed = false;
        founders.get(5).endorse(remove);
        assertTrue(sim.runUntil(LIMIT, () -> FederationSim.allAt(founders, 3)), "the removal executes");
        assertTrue(sim.runUntil(LIMIT, () -> founders.stream().allMatch(x -> x.certificates.containsKey(2L))),
                "the epoch that removed node-8 is certified: its keys finish nothing more");
        int[] before = founders.stream().mapToInt(x -> x.refused("unknown_sender")).toArray();
        Envelope late = eight.noop("after its removal");
        sim.runUntil(Duration.ofSeconds(2), () -> false);
        for (int i = 0; i < founders.size(); i++) {
            FederationSim.Node x = founders.get(i);
            assertTrue(x.refused("unknown_sender") > before[i], x.name);
            assertFalse(x.results.stream().anyMatch(r -> r.requestId().equals(late.contentId())), x.name);
        }
        assertEquals(List.of(), sim.violations);
    }

    @Test
    void aRotatedKeyReplacesTheOldOneAndKeepsTheMembersPlace() {
        FederationSim sim = new FederationSim(5, 4);
        FederationSim.Node two = sim.nodes.get(1);
        NodeKey oldKey = two.key;
        NodeKey newKey = FederationSim.key(40);
        two.nextKey = newKey;
        Bytes pop = newKey.sign(RosterOp.popMessage(RosterOp.ROTATE, 0, two.name, newKey.publicKey(), sim.world.now()));
        Envelope rotation = two.request(RosterOp.ROTATE, RosterOp.rotateArgs(newKey.publicKey(), pop));
        sim.runUntil(Duration.ofSeconds(30), () -> false);
        assertTrue(FederationSim.allAt(sim.nodes, 0), "a rotation alone does not close the epoch: it needs ⌈2m/3⌉ approvals");
        sim.nodes.get(0).endorse(rotation);
        sim.nodes.get(2).endorse(rotation);
        assertTrue(sim.runUntil(LIMIT, () -> FederationSim.allAt(sim.nodes, 1)));
        for (FederationSim.Node x : sim.nodes) {
            assertEquals(newKey.nodeId(), x.state().current(oldKey.nodeId()), x.name);
            assertEquals(two.name, x.state().roster().byId(newKey.nodeId()).orElseThrow().name());
            assertTrue(x.state().roster().byId(oldKey.nodeId()).isEmpty());
        }
        assertEquals(newKey, two.key, "the rotating node signs with its next key from the executed seq on");

        // with one replica down, q = 3 of 4 needs the rotated replica's votes under its new key
        sim.nodes.get(3).crashed = true;
        Envelope probe = sim.nodes.get(0).noop("after rotation");
        List<FederationSim.Node> live = sim.nodes.subList(0, 3);
        assertTrue(sim.runUntil(LIMIT, () -> FederationSim.allExecuted(live, probe)));
        long seq = sim.nodes.get(0).executed.lastKey();
        assertTrue(sim.nodes.get(0).commitsAt.get(seq).stream().anyMatch(c -> c.from().equals(newKey.nodeId())));

        two.key = oldKey; // the old key signs a request of the new epoch: nobody orders it
        int[] before = live.stream().mapToInt(x -> x.refused("unknown_sender")).toArray();
        Envelope stale = two.noop("old key");
        sim.runUntil(Duration.ofSeconds(20), () -> false);
        for (int i = 0; i < live.size(); i++) {
            FederationSim.Node x = live.get(i);
            assertEquals(before[i] + (x == two ? 0 : 1), x.refused("unknown_sender"), x.name);
            assertFalse(x.results.stream().anyMatch(r -> r.requestId().equals(stale.contentId())));
        }
        assertEquals(List.of(), sim.violations);
    }

    @Test
    void aRemovalThatWouldLeaveThreeReplicasIsRefusedAlikeOnEveryNode() {
        FederationSim sim = new FederationSim(9, 4);
        Envelope remove = sim.nodes.get(0).request(RosterOp.REMOVE, RosterOp.removeArgs(sim.nodes.get(3).key.nodeId()));
        sim.nodes.get(1).endorse(remove);
        sim.nodes.get(2).endorse(remove);
        assertTrue(sim.runUntil(LIMIT, () -> FederationSim.allExecuted(sim.nodes, remove)));
        Set<String> outcomes = sim.nodes.stream().map(x -> x.results.get(0).ok() + " " + x.results.get(0).reason())
                .collect(Collectors.toSet());
        assertEquals(Set.of("false it would leave 3 replicas; ordering needs 4"), outcomes);
        assertTrue(FederationSim.allAt(sim.nodes, 0));
        Envelope probe = sim.nodes.get(3).noop("still ordering");
        assertTrue(sim.runUntil(LIMIT, () -> FederationSim.allExecuted(sim.nodes, probe)));
        assertEquals(List.of(), sim.violations);
    }

    @Test
    void epochsChangeAtTheSameSeqEverywhereOverALossyNetwork() {
        for (long seed = 1; seed <= 5; seed++) {
            FederationSim sim = new FederationSim(seed, 7);
            sim.loss = 0.1;
            sim.duplicate = 0.05;
            sim.maxDelayMs = 40;
            List<FederationSim.Node> founders = List.copyOf(sim.nodes);
            for (int i = 0; i < 10; i++) {
                founders.get(i % 7).noop("a" + i);
            }
            Envelope add = FederationSim.addRequest(founders.get(2), "node-8", FederationSim.key(8), EnumSet.of(Role.VOTER), sim);
            for (int i = 3; i <= 6; i++) {
                founders.get(i).endorse(add);
            }
            for (int i = 0; i < 10; i++) {
                founders.get(i % 7).noop("b" + i);
            }
            String seedText = "seed " + seed;
            assertTrue(sim.runUntil(LIMIT, () -> FederationSim.allAt(founders, 1)), seedText);
            FederationSim.Node three = founders.get(3);
            NodeKey next = FederationSim.key(60);
            three.nextKey = next;
            Bytes pop = next.sign(RosterOp.popMessage(RosterOp.ROTATE, 1, three.name, next.publicKey(), sim.world.now()));
            Envelope rotation = three.request(RosterOp.ROTATE, RosterOp.rotateArgs(next.publicKey(), pop));
            for (int i = 4; i <= 6; i++) {
                founders.get(i).endorse(rotation);
            }
            founders.get(0).endorse(rotation);
            founders.get(1).endorse(rotation); // 8 members now: ⌈16/3⌉ = 6 approvals, the requester's among them
            for (int i = 0; i < 10; i++) {
                founders.get(i % 7).noop("c" + i);
            }
            assertTrue(sim.runUntil(LIMIT, () -> FederationSim.allAt(founders, 2)), seedText);
            // requests of a closed epoch that did not make it before the change are refused from then on; the
            // requester signs them again in the new epoch
            Envelope last = founders.get(6).noop("d");
            assertTrue(sim.runUntil(LIMIT, () -> FederationSim.allExecuted(founders, last)), seedText);
            for (FederationSim.Node x : founders) {
                assertEquals(founders.get(0).executed, x.executed, x.name + " " + seedText);
                assertEquals(founders.get(0).changes.stream().map(FederationState.EpochChange::startSeq).toList(),
                        x.changes.stream().map(FederationState.EpochChange::startSeq).toList(), x.name + " " + seedText);
            }
            assertEquals(List.of(), sim.violations, seedText);
        }
    }

    @Test
    void aMemberFloodingEndorsementsHoldsAtMostSixteenAndRepeatsAreCounted() {
        FederationSim sim = new FederationSim(21, 4);
        FederationSim.Node hostile = sim.nodes.get(3);
        for (int i = 0; i < 100; i++) {
            Envelope e = hostile.sign(io.quorumd.wire.MessageType.ORDER_ENDORSE,
                    new io.quorumd.wire.OrderEndorse(0, String.format("%032x", i)));
            sim.publish(hostile, FederationSim.TOPICS.orderPropose(), e);
            if (i == 0) {
                sim.publish(hostile, FederationSim.TOPICS.orderPropose(), e);
            }
        }
        sim.runUntil(Duration.ofSeconds(5), () -> false);
        for (FederationSim.Node x : sim.nodes.subList(0, 3)) {
            assertEquals(100 - OrderParams.MAX_PENDING_PER_MEMBER, x.refused("too_many_pending"), x.name);
            assertEquals(1, x.refused("duplicate"), x.name);
        }
        Envelope probe = sim.nodes.get(0).noop("still ordering");
        assertTrue(sim.runUntil(LIMIT, () -> FederationSim.allExecuted(sim.nodes, probe)));
    }
}
