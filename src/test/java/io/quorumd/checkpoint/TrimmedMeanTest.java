package io.quorumd.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The oracle of DESIGN §6 (nara's TrimmedMeanInt64). */
class TrimmedMeanTest {
    @Test
    void oracle() {
        assertEquals(0, TrimmedMean.of(List.of()));
        assertEquals(42, TrimmedMean.of(List.of(42L)));
        assertEquals(100, TrimmedMean.of(List.of(100L, 100L, 100L, 100L, 1_000_000L)));
        assertEquals(12, TrimmedMean.of(List.of(10L, 12L, 11L, 13L, 14L)));
        assertEquals(0, TrimmedMean.of(List.of(0L, 0L, 0L, 5L, -5L, 100L)));
        assertEquals(-10, TrimmedMean.of(List.of(-10L, -10L, -10L, -12L, -8L)));
    }

    @Test
    void outliersOnBothSidesAreDropped() {
        assertEquals(1000, TrimmedMean.of(List.of(1L, 1000L, 1000L, 1000L, 999_999L)));
    }
}
