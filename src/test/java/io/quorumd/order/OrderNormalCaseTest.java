package io.quorumd.order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OrderNormalCaseTest {
    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {4, 7, 10})
    void everyCorrectReplicaExecutesTheSameSequenceUnderLossDuplicationAndReordering(int n) {
        OrderSim sim = OrderSim.of(1000 + n, n);
        sim.loss = 0.10;
        sim.duplicate = 0.05;
        sim.maxDelayMs = 40;
        int total = 300;
        for (int i = 0; i < total; i++) {
            sim.world.after(i * 15L, sim::submit);
        }
        assertTrue(sim.runUntil(Duration.ofMinutes(30), () -> sim.allExecuted(total)), "n=" + n + ": not every request executed; "
                + sim.nodes.stream().map(x -> x.state.ids.size() + "/v" + x.replica.view() + "/h" + x.replica.lowWatermark()
                + x.journal.refusals).toList());
        List<String> first = sim.node(0).state.ids;
        assertEquals(total, first.size());
        for (OrderSim.Node x : sim.nodes) {
            assertEquals(first, x.state.ids, "node-" + x.index + " executed another sequence");
            assertNull(x.journal.diverged);
        }
        assertTrue(sim.violations.isEmpty(), sim.violations.toString());
        int stableSeen = 0;
        for (OrderSim.Node a : sim.nodes) {
            for (Map.Entry<Long, String> e : a.journal.stable.entrySet()) {
                stableSeen++;
                for (OrderSim.Node b : sim.nodes) {
                    String other = b.journal.stable.get(e.getKey());
                    assertTrue(other == null || other.equals(e.getValue()), "stable digests differ at " + e.getKey());
                }
            }
        }
        assertTrue(stableSeen > 0, "no checkpoint became stable");
        assertFalse(sim.nodes.stream().anyMatch(x -> x.replica.lowWatermark() == 0), "a low watermark never moved");
    }
}
