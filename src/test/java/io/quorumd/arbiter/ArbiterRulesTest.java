package io.quorumd.arbiter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.quorumd.crypto.NodeId;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ArbiterRulesTest {
    @Test
    void transitionTableOverEveryPair() {
        Set<String> allowed = Set.of("OPEN>FALLBACK", "OPEN>RESOLVED", "OPEN>DEADLOCKED", "OPEN>EXPIRED",
                "FALLBACK>RESOLVED", "FALLBACK>DEADLOCKED", "FALLBACK>EXPIRED");
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
        assertEquals(99.58, round(Reputation.score(10, 10, 0, 1)));
        assertEquals(81.0, round(Reputation.score(10, 8, 0, 12)));
        assertEquals(51.67, round(Reputation.score(10, 5, 2, 24)));
        assertEquals(27.33, round(Reputation.score(10, 2, 5, 48)));
        assertEquals(65.0, round(Reputation.score(0, 0, 0, 0)), "no history: neutral consensus, full participation");
    }

    private static double round(double x) {
        return Math.round(x * 100) / 100.0;
    }

    @Test
    void policyIsAsStrictAsPaywallsConstructor() {
        NodeId a = id(1);
        NodeId b = id(2);
        NodeId c = id(3);
        assertThrows(IllegalArgumentException.class, () -> new ArbiterPolicy(1, Set.of(a, b), Set.of(), 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ArbiterPolicy(3, Set.of(a, b), Set.of(), 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ArbiterPolicy(2, Set.of(a, b), Set.of(b), 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ArbiterPolicy(2, Set.of(a, b), Set.of(c), 0, 1, 0));
        assertEquals(2, new ArbiterPolicy(2, Set.of(a, b), Set.of(c), 1, 1, 0).required());
    }

    private static NodeId id(int n) {
        return new NodeId(String.format("%032x", n));
    }
}
