package io.quorumd.arbiter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import io.quorumd.wire.Member;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ArbiterRulesTest {
    @Test
    void transitionTableOverEveryPair() {
        Set<String> allowed = Set.of("OPEN>FALLBACK", "OPEN>RESOLVED", "OPEN>DEADLOCKED", "OPEN>EXPIRED",
                "FALLBACK>RESOLVED", "FALLBACK>DEADLOCKED", "FALLBACK>EXPIRED", "DEADLOCKED>RESOLVED",
                "EXPIRED>RESOLVED", "OPEN>CONTESTED", "FALLBACK>CONTESTED", "RESOLVED>CONTESTED", "DEADLOCKED>CONTESTED",
                "EXPIRED>CONTESTED", "EXPIRED>DEADLOCKED");
        for (DisputeStatus from : DisputeStatus.values()) {
            for (DisputeStatus to : DisputeStatus.values()) {
                assertEquals(allowed.contains(from + ">" + to), from.canMoveTo(to), from + " → " + to);
            }
        }
        assertEquals(EnumSet.of(DisputeStatus.OPEN, DisputeStatus.FALLBACK),
                EnumSet.copyOf(java.util.Arrays.stream(DisputeStatus.values()).filter(DisputeStatus::active).toList()));
    }

    @Test
    void paywallsWorkedReputationValues() {
        assertEquals(99.58, round(Reputation.score(10, 10, 0, OptionalDouble.of(1))));
        assertEquals(81.0, round(Reputation.score(10, 8, 0, OptionalDouble.of(12))));
        assertEquals(51.67, round(Reputation.score(10, 5, 2, OptionalDouble.of(24))));
        assertEquals(27.33, round(Reputation.score(10, 2, 5, OptionalDouble.of(48))));
    }

    @Test
    void anArbiterWithNoVotesGetsNoResponseBonus() {
        assertEquals(55.0, round(Reputation.score(0, 0, 0, OptionalDouble.empty())),
                "no history: neutral consensus, full participation, no response time so no bonus");
        assertEquals(65.0, round(Reputation.score(0, 0, 0, OptionalDouble.of(0))), "an instant vote earns the full bonus");
    }

    private static double round(double x) {
        return Math.round(x * 100) / 100.0;
    }

    @Test
    void policyIsAsStrictAsPaywallsConstructor() {
        Roster r = new Roster(List.of(member(1), member(2), member(3)));
        NodeId a = r.members().get(0).nodeId();
        NodeId b = r.members().get(1).nodeId();
        NodeId c = r.members().get(2).nodeId();
        NodeId stranger = NodeKey.fromSeed(new byte[32]).nodeId();
        assertThrows(IllegalArgumentException.class, () -> new ArbiterPolicy(r, 1, Set.of(a, b), Set.of(), 1, 1, 0, 16));
        assertThrows(IllegalArgumentException.class, () -> new ArbiterPolicy(r, 3, Set.of(a, b), Set.of(), 1, 1, 0, 16));
        assertThrows(IllegalArgumentException.class, () -> new ArbiterPolicy(r, 2, Set.of(a, b), Set.of(b), 1, 1, 0, 16));
        assertThrows(IllegalArgumentException.class, () -> new ArbiterPolicy(r, 2, Set.of(a, b), Set.of(c), 0, 1, 0, 16));
        assertThrows(IllegalArgumentException.class, () -> new ArbiterPolicy(r, 2, Set.of(a, stranger), Set.of(), 1, 1, 0, 16));
        assertThrows(IllegalArgumentException.class, () -> new ArbiterPolicy(r, 2, Set.of(a, b), Set.of(c), 1, 1, 0, 0));
        assertEquals(2, new ArbiterPolicy(r, 2, Set.of(a, b), Set.of(c), 1, 1, 0, 16).required());
    }

    private static Member member(int n) {
        byte[] seed = new byte[32];
        seed[0] = (byte) n;
        return new Member("m" + n, NodeKey.fromSeed(seed).publicKey(), Set.of(Role.VOTER));
    }
}
