package io.quorumd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.ledger.ScanResult;
import io.quorumd.order.FederationState;
import io.quorumd.pm.PmOp;
import io.quorumd.pm.PmTickets;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * pm account ops through whole nodes' ordering: funded and redeemed on four replicas, written to their ledgers as
 * order entries; {@code ledger verify --full} passes, and a restarted node replays to the same accounts.
 */
class PmOrderedAccountsTest {
    @TempDir
    Path dir;

    private static FederationState state(SimNode n) {
        return n.core().ordering().orElseThrow().federation().state();
    }

    private static void propose(SimNode by, PmOp op) {
        by.control(c -> c.ordering().orElseThrow().propose(op.op(), op.args(), 0));
    }

    @Test
    void accountsSurviveVerifyAndRestart() throws Exception {
        SimFederation f = SimFederation.started(91, dir, SimFederation.Options.fast(4).withReplicas(4), 20);
        SimWorld w = f.world();
        w.run(Duration.ofSeconds(5));
        SimNode s = f.node(1);
        SimNode a = f.node(2);
        propose(s, new PmOp.Fund(1500, 900));
        assertTrue(w.runUntil(Duration.ofSeconds(30), () -> f.nodes().stream().limit(4)
                .allMatch(n -> state(n).accounts().account(s.id()).deposit().equals(BigInteger.valueOf(1500)))),
                "funded everywhere, seed " + w.seed());
        PmOp.Redeem winner = PmTickets.redeem(s.key(), a.key(), 1, w.now(), true);
        w.run(Duration.ofMinutes(11));
        propose(a, winner);
        assertTrue(w.runUntil(Duration.ofSeconds(30), () -> f.nodes().stream().limit(4)
                .allMatch(n -> state(n).accounts().account(a.id()).earned().equals(BigInteger.valueOf(1000)))),
                "redeemed everywhere, seed " + w.seed());
        String digest = state(a).digest();
        String accounts = state(a).accounts().digest();
        assertEquals(1, f.nodes().stream().limit(4).map(n -> state(n).digest()).distinct().count());

        a.stop();
        ScanResult verify = LedgerScanner.scan(Ledger.directory(a.config().node().dataDir()), new FullVerifier());
        assertTrue(verify.intact(), "ledger verify --full: " + verify);
        a.start();
        assertEquals(accounts, state(a).accounts().digest(), "replay rebuilds the accounts");
        assertEquals(digest, state(a).digest(), "and the whole state");
    }
}
