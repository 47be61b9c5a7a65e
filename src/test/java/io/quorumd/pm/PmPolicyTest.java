package io.quorumd.pm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The pm parameters refuse combinations whose time arithmetic would overflow a long or leave canonical JSON. */
class PmPolicyTest {
    private static final long HOUR = 3_600_000;

    private static PmPolicy policy(long paramsTtl, long claimWindow, long unlockPeriod, long reservePeriod) {
        return new PmPolicy(10, 100, 0, 100, 0, paramsTtl, 15_000, 600, 100, 1000, 100_000, 1, claimWindow,
                unlockPeriod, reservePeriod);
    }

    @Test
    void aClaimWindowThatOverflowsTheUnlockCheckIsRefused() {
        // paramsTtl + claimWindow wraps to a negative long, so "unlockPeriod > paramsTtl + claimWindow" held
        assertThrows(IllegalArgumentException.class, () -> policy(600_000, Long.MAX_VALUE - 1000, 72 * HOUR, 24 * HOUR));
    }

    @Test
    void anUnlockPeriodThatOverflowsWithdrawAtIsRefused() {
        // ts + unlockPeriod wrapped negative: withdrawAt in the past, so the sender could withdraw at once
        assertThrows(IllegalArgumentException.class, () -> policy(600_000, 24 * HOUR, Long.MAX_VALUE, 24 * HOUR));
        assertThrows(IllegalArgumentException.class, () -> policy(600_000, 24 * HOUR, 1L << 53, 24 * HOUR),
                "withdrawAt would pass 2^53 - 1, which the state document cannot carry");
    }

    @Test
    void longButSaneDurationsAreAccepted() {
        long year = 365 * 24 * HOUR;
        PmPolicy p = policy(HOUR, 10 * year, 20 * year, year);
        assertEquals(20 * year, p.unlockPeriodMs());
        assertTrue(PmPolicy.MAX_DURATION_MS >= 100 * year);
    }
}
