package io.quorumd.pm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WinnerStateTest {
    @Test
    void everyTransitionPairIsAllowedOnlyIfTheTableSaysSo() {
        Set<String> allowed = Set.of("won>claimed", "won>expired", "claimed>settled", "claimed>refused", "claimed>expired");
        for (WinnerState from : WinnerState.values()) {
            for (WinnerState to : WinnerState.values()) {
                boolean expected = allowed.contains(from.code() + ">" + to.code());
                assertEquals(expected, from.canMoveTo(to), from + " -> " + to);
            }
        }
    }

    @Test
    void finalStatesAreExactlyTheOnesWithoutExitsAndPendingOnesCountAgainstFloat() {
        for (WinnerState s : WinnerState.values()) {
            assertEquals(s.next().isEmpty(), s.isFinal(), s.code());
            assertEquals(EnumSet.of(WinnerState.WON, WinnerState.CLAIMED).contains(s), s.isPending(), s.code());
        }
    }
}
