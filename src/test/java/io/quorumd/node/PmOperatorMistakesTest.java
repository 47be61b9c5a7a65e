package io.quorumd.node;

import static io.quorumd.node.PmNodeTest.args;
import static io.quorumd.node.PmNodeTest.cmd;
import static io.quorumd.node.PmNodeTest.pm;
import static io.quorumd.node.PmNodeTest.received;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.NodeKey;
import io.quorumd.pm.Winner;
import io.quorumd.pm.WinnerState;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A careless operator against the ticket machine: paying without funds or while unlocking, amounts that do not fit,
 * asking a member that is down, restarting mid-payment, switching pm off and on with claims in flight, pm times that
 * differ from the federation's, rotating a key while winners or paid tickets are outstanding. Each gets a clear
 * refusal or comes out right.
 */
class PmOperatorMistakesTest {
    static final String PM = PmNodeTest.PM;

    @TempDir
    Path dir;

    private static BigInteger earned(SimNode on, io.quorumd.crypto.NodeId who) {
        return PmHostileWiringTest.earned(on, who);
    }

    private static SimFederation funded(long seed, Path dir) throws Exception {
        return PmHostileWiringTest.funded(seed, dir);
    }

    /** Node {@code oneBased} runs with pm off for {@code off}, then with its own config again. */
    private static void pmOff(SimFederation f, int oneBased, Duration off) throws Exception {
        SimNode n = f.node(oneBased);
        io.quorumd.config.QuorumdConfig on = n.config();
        n.stop();
        n.reconfigure(f.reconfigured(oneBased, y -> y.replace("enabled: true", "enabled: false")));
        n.start();
        f.world().run(off);
        n.stop();
        n.reconfigure(on);
        n.start();
    }

    /**
     * The operator changes pm.claimWindow in the config after ordering anchored its accounts with the old one: the node
     * starts, and its recipient judges and expires winners with a window the replicated accounts do not use.
     */
    @Test
    void aConfigClaimWindowOtherThanTheAnchoredOneIsRefusedAtStart() throws Exception {
        SimFederation f = SimFederation.started(2105, dir, SimFederation.Options.fast(4).withReplicas(4).withYaml(PM), 20);
        SimWorld w = f.world();
        w.run(Duration.ofSeconds(5));
        SimNode r = f.node(2);
        r.stop();
        r.reconfigure(f.reconfigured(2, y -> y.replace("claimWindow: 10m", "claimWindow: 50m")));
        try {
            r.start();
        } catch (Exception refused) {
            return; // the wanted outcome: a clear refusal
        }
        assertEquals(600_000, pm(r).policy().claimWindowMs(),
                "the recipient's claim window is the federation's (anchored 10m), not the config's 50m");
    }

    /** pm pay from a member with no deposit: should be a clear operator error at once, not 30 s of silent retries. */
    @Test
    void payWithoutFundsIsAClearErrorAtOnce() throws Exception {
        SimFederation f = SimFederation.started(2106, dir, SimFederation.Options.fast(4).withReplicas(4).withYaml(PM), 20);
        SimWorld w = f.world();
        w.run(Duration.ofSeconds(5));
        SimNode s = f.node(1);
        String error;
        try {
            cmd(s, "pm.pay", args("to", "node-2", "ev", "100"));
            w.run(Duration.ofSeconds(3));
            error = cmd(s, "pm.paying", args("to", "node-2")).path("error").asText();
            w.run(Duration.ofSeconds(60));
            error += " | after 63 s: " + cmd(s, "pm.paying", args("to", "node-2")).path("error").asText();
        } catch (ControlCommands.Refused e) {
            error = e.getMessage();
        }
        assertTrue(error.startsWith("") && (error.split("\\|")[0].contains("fund") || error.split("\\|")[0].contains("deposit")), "error after 3 s: '" + error + "'");
    }

    /** A restart mid-payment pays on what was still owed (finding 5). */
    @Test
    void restartMidPaymentPaysOnWhatWasOwed() throws Exception {
        SimFederation f = funded(2111, dir);
        SimWorld w = f.world();
        SimNode s = f.node(1);
        SimNode r = f.node(2);
        cmd(s, "pm.pay", args("to", "node-2", "ev", "30000"));
        w.run(Duration.ofMillis(300));
        String owedBefore = cmd(s, "pm.paying", args("to", "node-2")).path("owed").asText();
        assertFalse(owedBefore.equals("0"), "still paying at the crash");
        s.crash();
        s.start();
        assertEquals(owedBefore, cmd(s, "pm.paying", args("to", "node-2")).path("owed").asText(), "owed rebuilt");
        assertTrue(w.runUntil(Duration.ofMinutes(3), () -> received(r, s).compareTo(BigInteger.valueOf(30000)) >= 0),
                "received " + received(r, s) + "; paying after restart " + cmd(s, "pm.paying", args("to", "node-2")));
        assertEquals("0", cmd(s, "pm.paying", args("to", "node-2")).path("owed").asText());
    }

    /** pm.enabled off then on again (within the claim window) with winners pending: they are still claimed and paid. */
    @Test
    void pmOffAndOnAgainWithWinnersPendingStillSettles() throws Exception {
        SimFederation f = funded(2112, dir);
        SimWorld w = f.world();
        SimNode s = f.node(1);
        SimNode r = f.node(2);
        PmNodeTest.paid(w, s, r, 20000, Duration.ofSeconds(60));
        List<String> won = pm(r).recipient().winners().stream().map(Winner::ticketId).toList();
        long face = pm(r).recipient().winners().stream().mapToLong(x -> x.signed().ticket().faceValue()).sum();
        pmOff(f, 2, Duration.ofSeconds(90));
        w.run(Duration.ofMinutes(4));
        Map<WinnerState, Long> states = PmNodeTest.states(r);
        assertEquals(BigInteger.valueOf(face), earned(f.node(1), r.id()), won.size() + " winners; states " + states);
    }

    /**
     * The recipient's claims are in flight when the operator turns pm off; they execute (paid) while pm is off; pm on
     * again: the winners should show SETTLED, not be claimed again and end REFUSED (used_ticket).
     */
    @Test
    void claimsExecutedWhilePmWasOffComeBackSettled() throws Exception {
        SimFederation f = funded(2114, dir);
        SimWorld w = f.world();
        SimNode s = f.node(1);
        SimNode r = f.node(2);
        PmNodeTest.claimInFlight(w, s, r, 20000);
        pmOff(f, 2, Duration.ofSeconds(60));
        w.run(Duration.ofMinutes(6));
        Map<WinnerState, Long> states = PmNodeTest.states(r);
        long settledFace = pm(r).recipient().winners().stream().filter(x -> x.state() == WinnerState.SETTLED)
                .mapToLong(x -> x.signed().ticket().faceValue()).sum();
        assertEquals(earned(f.node(1), r.id()), BigInteger.valueOf(settledFace), "states " + states);
        assertEquals(0, states.getOrDefault(WinnerState.REFUSED, 0L), "states " + states);
    }

    /** A node whose pm times differ from the anchored ones refuses to start, naming both (finding 7). */
    @Test
    void differentClaimWindowsOnDifferentNodesAreDetected() throws Exception {
        SimFederation f = SimFederation.started(2115, dir, SimFederation.Options.fast(4).withReplicas(4).withYaml(PM), 20);
        SimNode four = f.node(4);
        four.stop();
        four.reconfigure(f.reconfigured(4, y -> y.replace("claimWindow: 10m", "claimWindow: 20m")));
        java.io.IOException e = assertThrows(java.io.IOException.class, four::start);
        assertTrue(e.getMessage().contains("pm.claimWindow") && e.getMessage().contains("600000"), e.getMessage());
    }

    /** A JSON ev beyond a long wraps: 2^64 + 5 is taken as 5 instead of refused. */
    @Test
    void hugeEvIsRefusedNotWrapped() throws Exception {
        SimFederation f = SimFederation.started(2107, dir, SimFederation.Options.fast(3).withYaml(PM), 20);
        f.world().run(Duration.ofSeconds(5));
        SimNode s = f.node(1);
        ObjectNode a = args("to", "node-2");
        a.put("ev", BigInteger.TWO.pow(64).add(BigInteger.valueOf(5)));
        assertThrows(ControlCommands.Refused.class, () -> cmd(s, "pm.pay", a), "ev 2^64+5 refused");
    }

    /**
     * The operator runs pm params against a member that is down, 16 times; once it is back, pm pay fails at once with
     * "no params after 15 requests" because the unanswered count was never reset while nothing was owed.
     */
    @Test
    void paramsRequestsToADownMemberPoisonTheNextPay() throws Exception {
        SimFederation f = SimFederation.started(2108, dir, SimFederation.Options.fast(3).withYaml(PM), 20);
        SimWorld w = f.world();
        w.run(Duration.ofSeconds(5));
        SimNode s = f.node(1);
        SimNode r = f.node(3);
        r.stop();
        for (int i = 0; i < 17; i++) {
            cmd(s, "pm.params", args("from", "node-3"));
            w.run(Duration.ofMillis(1100));
        }
        r.start();
        w.run(Duration.ofSeconds(5));
        JsonNode paying = cmd(s, "pm.pay", args("to", "node-3", "ev", "100"));
        w.run(Duration.ofSeconds(10));
        assertTrue(received(r, s).compareTo(BigInteger.valueOf(100)) >= 0, "paid once node-3 is back; pay said " + paying
                + ", now " + cmd(s, "pm.paying", args("to", "node-3")));
    }

    /** pm pay while this node's funds unlock: refused with a clear reason, nothing sent. */
    @Test
    void payWhileUnlockingIsRefusedClearly() throws Exception {
        SimFederation f = funded(2109, dir);
        SimWorld w = f.world();
        SimNode s = f.node(1);
        SimNode r = f.node(2);
        cmd(s, "pm.unlock", args());
        assertTrue(w.runUntil(Duration.ofSeconds(30), () -> s.core().ordering().orElseThrow().federation().state()
                .accounts().account(s.id()).withdrawAt() != 0));
        String error;
        try {
            cmd(s, "pm.pay", args("to", "node-2", "ev", "100"));
            w.run(Duration.ofSeconds(5));
            error = cmd(s, "pm.paying", args("to", "node-2")).path("error").asText();
        } catch (ControlCommands.Refused e) {
            error = e.getMessage();
        }
        assertEquals(BigInteger.ZERO, received(r, s));
        assertTrue(error.contains("unlock"), "error: '" + error + "'");
    }

    /**
     * node-1 pays node-2 EV {@code ev}; node {@code rotating} (which holds its next key) then proposes its rotation:
     * refused, and nothing is proposed.
     */
    private SimFederation rotationRefused(long seed, int rotating, long ev, String because) throws Exception {
        SimFederation f = funded(seed, dir);
        NodeKey next = NodeKey.fromSeed(new byte[] {(byte) seed, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1,
                5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1});
        Rotations.giveNextKey(f, dir, rotating, next);
        PmNodeTest.paid(f.world(), f.node(1), f.node(2), ev, Duration.ofSeconds(60));
        ControlCommands.Refused e = assertThrows(ControlCommands.Refused.class, () -> Rotations.propose(f, rotating, next));
        assertTrue(e.getMessage().contains(because), e.getMessage());
        assertEquals(0, f.node(3).core().ordering().orElseThrow().federation().current().pending().size(), "nothing proposed");
        return f;
    }

    /** A recipient holding winners not settled may not rotate: rand derives from its key (finding 1). */
    @Test
    void recipientWithWinnersPendingMayNotRotate() throws Exception {
        SimFederation f = rotationRefused(2101, 2, 20000, "winning tickets not settled");
        assertFalse(pm(f.node(2)).recipient().winners().isEmpty(), "winners drawn");
    }

    /** A sender may not rotate while tickets it paid can still be claimed (finding 2), across a restart too. */
    @Test
    void senderMayNotRotateWhileItsTicketsCanBeClaimed() throws Exception {
        SimFederation f = rotationRefused(2110, 1, 2000, "can be claimed until");
        f.node(1).crash();
        f.node(1).start();
        ControlCommands.Refused again = assertThrows(ControlCommands.Refused.class, () -> Rotations.propose(f, 1,
                NodeKey.fromSeed(new byte[] {(byte) 2110, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1,
                        5, 1, 5, 1, 5, 1, 5, 1})));
        assertTrue(again.getMessage().contains("can be claimed until"), "the hold survives a restart: " + again.getMessage());
    }
}
