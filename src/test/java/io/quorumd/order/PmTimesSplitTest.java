package io.quorumd.order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.pm.PmPolicy;
import io.quorumd.wire.Envelope;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Operators who set different pm times (unlockPeriod, claimWindow, reservePeriod) anchor different states. When the
 * replicas split evenly, no digest reaches q and no checkpoint ever becomes stable: without a check of its own,
 * ordering would wedge once the window filled, with no error anywhere. f + 1 replicas signing another digest than a
 * replica's own at a seq it executed means a correct replica disagrees: each node stops and reports it.
 */
class PmTimesSplitTest {
    private static PmPolicy other() {
        PmPolicy d = PmPolicy.defaults();
        return new PmPolicy(d.ticketEV(), d.evMultiplier(), d.redeemCost(), d.redeemCostMultiplier(), d.maxFaceValue(),
                d.paramsTtlMs(), d.paramsExpiryBufferMs(), d.maxNonces(), d.maxBatchTickets(), d.maxTicketEV(),
                d.maxBatchEV(), d.depositMultiplier(), 3_600_000, 7_200_000, 600_000);
    }

    @Test
    void anEvenSplitOnThePmTimesIsReportedNotAQuietWedge() {
        FederationSim sim = new FederationSim(11, 4, i -> i < 2 ? PmPolicy.defaults() : other());
        assertEquals(2, sim.nodes.stream().map(x -> x.state().digest()).distinct().count());
        for (int i = 0; i < 4; i++) {
            Envelope req = sim.nodes.get(i % 4).request("noop", io.quorumd.wire.Json.object());
            sim.runUntil(Duration.ofMinutes(1), () -> FederationSim.allExecuted(sim.nodes, req));
        }
        sim.runUntil(Duration.ofMinutes(1), () -> sim.violations.size() >= 4);
        assertEquals(4, sim.violations.size(), "every node reports the divergence: " + sim.violations);
        assertTrue(sim.violations.stream().allMatch(v -> v.contains("diverged at 4")), sim.violations.toString());
    }
}
