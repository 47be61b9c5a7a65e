package io.quorumd.order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class QuorumTest {
    @Test
    void qIsTheCeilingOfTwoThirdsAndFIsTheToleratedFaults() {
        int[] q = {3, 4, 4, 5, 6, 6, 7, 8, 8, 9, 10, 10, 11};
        int[] f = {1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5};
        for (int n = 4; n <= 16; n++) {
            assertEquals(q[n - 4], Quorum.q(n), "q(" + n + ")");
            assertEquals(f[n - 4], Quorum.f(n), "f(" + n + ")");
            assertEquals((int) Math.ceil(2.0 * n / 3), Quorum.q(n));
        }
    }

    @Test
    void twoQuorumsShareAtLeastFPlusOneReplicas() {
        for (int n = 4; n <= 16; n++) {
            int overlap = 2 * Quorum.q(n) - n;
            assertTrue(overlap >= Quorum.f(n) + 1, "n=" + n + ": two quorums share only " + overlap);
            assertTrue(n - Quorum.f(n) >= Quorum.q(n), "n=" + n + ": correct replicas alone cannot reach q");
        }
    }
}
