package io.quorumd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.ledger.ScanResult;
import io.quorumd.order.OrderParams;
import io.quorumd.pm.Ticket;
import io.quorumd.pm.TicketBatch;
import io.quorumd.pm.Winner;
import io.quorumd.pm.WinnerState;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.Json;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.PmTicket;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ticket machine in whole nodes (DESIGN §14): a funded member pays another through the control commands, the
 * recipient credits EV, claims its winners after their params expire and is paid by ordered redemption, the same
 * on every replica; a restarted recipient refuses a re-sent batch; no ledger holds a rand before its params
 * expire; without ordering tickets still flow and the account commands say ordering is needed.
 */
class PmNodeTest {
    static final String PM = "pm:\n  enabled: true\n  paramsTtl: 20s\n  paramsExpiryBuffer: 2s\n  claimWindow: 10m\n"
            + "  unlockPeriod: 1h\n  reservePeriod: 1h\n";

    @TempDir
    Path dir;

    static JsonNode cmd(SimNode n, String cmd, ObjectNode args) {
        return n.control(c -> PaymentCommands.run(cmd, args, c));
    }

    static ObjectNode args(String... kv) {
        ObjectNode o = Json.object();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1].chars().allMatch(Character::isDigit)) {
                o.put(kv[i], Long.parseLong(kv[i + 1]));
            } else {
                o.put(kv[i], kv[i + 1]);
            }
        }
        return o;
    }

    static NodePayments pm(SimNode n) {
        return n.core().payments().orElseThrow();
    }

    static BigInteger received(SimNode to, SimNode from) {
        return pm(to).recipient().received(from.id()).floor();
    }

    /** {@code s} pays {@code r} EV {@code ev}; the run goes on until {@code r} credited all of it. */
    static void paid(SimWorld w, SimNode s, SimNode r, long ev, Duration limit) {
        cmd(s, "pm.pay", args("to", r.name(), "ev", String.valueOf(ev)));
        assertTrue(w.runUntil(limit, () -> received(r, s).compareTo(BigInteger.valueOf(ev)) >= 0),
                "received " + received(r, s) + " of " + ev + ", seed " + w.seed());
    }

    /** {@code s} pays {@code r} EV {@code ev}; the run goes on until {@code r} has a claim in flight. */
    static void claimInFlight(SimWorld w, SimNode s, SimNode r, long ev) {
        cmd(s, "pm.pay", args("to", r.name(), "ev", String.valueOf(ev)));
        assertTrue(w.runUntil(Duration.ofSeconds(120), () -> pm(r).recipient().winners().stream()
                .anyMatch(x -> x.state() == WinnerState.CLAIMED)), "a claim went out, seed " + w.seed());
    }

    /** How many of {@code r}'s winners stand in each state. */
    static java.util.Map<WinnerState, Long> states(SimNode r) {
        return pm(r).recipient().winners().stream().collect(java.util.stream.Collectors.groupingBy(Winner::state,
                java.util.stream.Collectors.counting()));
    }

    static String balances(SimNode n) {
        return n.core().ordering().orElseThrow().federation().state().accounts().digest();
    }

    /** Four replicas with pm on; node-1 funded with deposit 100000 and reserve 60000 on every one. */
    private SimFederation funded(long seed) throws Exception {
        SimFederation f = SimFederation.started(seed, dir, SimFederation.Options.fast(4).withReplicas(4).withYaml(PM), 20);
        SimWorld w = f.world();
        w.run(Duration.ofSeconds(5));
        SimNode s = f.node(1);
        cmd(s, "pm.fund", args("deposit", "100000", "reserve", "60000"));
        assertTrue(w.runUntil(Duration.ofSeconds(30), () -> f.nodes().stream().allMatch(n -> n.core().ordering().orElseThrow()
                .federation().state().accounts().account(s.id()).deposit().equals(BigInteger.valueOf(100000)))), "funded, seed " + w.seed());
        return f;
    }

    @Test
    void paysClaimsAndSettlesTheSameOnEveryReplica() throws Exception {
        SimFederation f = funded(1401);
        SimWorld w = f.world();
        SimNode s = f.node(1);
        SimNode r = f.node(2);

        cmd(s, "pm.pay", args("to", "node-2", "ev", "30000"));
        assertTrue(w.runUntil(Duration.ofSeconds(90), () -> received(r, s).compareTo(BigInteger.valueOf(30000)) >= 0),
                "received " + received(r, s) + ", seed " + w.seed());
        JsonNode paying = cmd(s, "pm.paying", args("to", "node-2"));
        assertEquals("0", paying.path("owed").asText());
        assertEquals(3000, paying.path("tickets").asLong(), "EV 10 per ticket: 3000 tickets");
        List<Winner> won = pm(r).recipient().winners().stream().filter(x -> x.state() == WinnerState.WON).toList();
        assertFalse(won.isEmpty(), "tickets under params not expired yet drew winners, seed " + w.seed());

        // no ledger byte holds the rand of a winner whose params have not expired
        List<String> rands = new ArrayList<>();
        for (Winner x : won) {
            Bytes rand = pm(r).recipient().revealRand(x.ticketId(), x.signed().ticket().paramsExpiresAt() + 1).orElseThrow();
            rands.add(rand.hex());
            rands.add(rand.base64());
        }
        for (SimNode n : f.nodes()) {
            String all = ledgerText(n);
            rands.forEach(x -> assertFalse(all.contains(x), n + "'s ledger holds a rand before expiry"));
        }

        assertTrue(w.runUntil(Duration.ofMinutes(2), () -> pm(r).recipient().winners().stream()
                .allMatch(x -> x.state() == WinnerState.SETTLED)), "every winner settled, seed " + w.seed());
        long faceSettled = pm(r).recipient().winners().stream().mapToLong(x -> x.signed().ticket().faceValue()).sum();
        int settled = pm(r).recipient().winners().size();
        assertTrue(settled > OrderParams.MAX_PENDING_PER_MEMBER, settled + " winners: more than a member may have pending");
        assertEquals(0, f.nodes().stream().mapToLong(n -> n.metrics().protocolRejects("too_many_pending")).sum(),
                "claims kept within what a member may have pending");
        assertEquals(0, r.metrics().protocolRejects("insufficient_float"), "the sender kept within the float");
        assertTrue(w.runUntil(Duration.ofSeconds(10), () -> f.nodes().stream().map(PmNodeTest::balances).distinct().count() == 1),
                "every replica executed the same redemptions, seed " + w.seed());
        for (SimNode n : f.nodes()) {
            JsonNode b = n.control(c -> PaymentCommands.run("pm.balance", args("node", "node-2"), c));
            assertEquals(String.valueOf(faceSettled), b.path("earned").asText(), "node-2 earned on " + n);
            JsonNode p = n.control(c -> PaymentCommands.run("pm.balance", args("node", "node-1"), c));
            assertEquals(String.valueOf(faceSettled), p.path("paid").asText(), "node-1 paid on " + n);
        }
        assertEquals(settled, cmd(r, "pm.tickets", args("state", "settled")).path("tickets").size());

        for (SimNode n : List.of(s, r)) {
            n.stop();
            ScanResult verify = LedgerScanner.scan(Ledger.directory(n.config().node().dataDir()), new FullVerifier());
            assertTrue(verify.intact(), n + ": ledger verify --full: " + verify);
        }
        r.start();
        assertEquals(settled, pm(r).recipient().winners().stream().filter(x -> x.state() == WinnerState.SETTLED).count(),
                "winners come back settled from the ledger");
        assertTrue(received(r, s).compareTo(BigInteger.valueOf(30000)) >= 0, "received EV comes back from the ledger");
    }

    @Test
    void aRestartedRecipientRefusesABatchSentAgain() throws Exception {
        SimFederation f = funded(1402);
        SimWorld w = f.world();
        SimNode s = f.node(1);
        SimNode r = f.node(2);
        PmNodeTest.paid(w, s, r, 2000, Duration.ofSeconds(10));
        Envelope batch = s.published().stream().filter(e -> e.type() == MessageType.PM_TICKET).findFirst().orElseThrow();
        BigInteger before = pm(r).recipient().received(s.id()).floor();

        r.crash();
        r.start();
        assertEquals(before, received(r, s), "credited EV rebuilt from the ledger");
        long replays = r.metrics().protocolRejects("replayed_nonce");
        r.receive(r.topics().pmTo(r.id()), batch, false);
        w.run(Duration.ofMillis(100));
        assertEquals(replays + 100, r.metrics().protocolRejects("replayed_nonce"), "each of the 100 tickets refused");
        assertEquals(before, received(r, s), "and nothing credited again");

        // the same 99 old tickets padding one new one: one ticket is credited, and only it is written
        TicketBatch old = ((PmTicket) batch.body()).batch();
        long fresh = 100_000;
        List<TicketBatch.Entry> padded = new ArrayList<>(old.tickets().subList(0, 99));
        padded.add(new TicketBatch.Entry(fresh, s.key().sign(Ticket.of(old.params(), fresh).signingBytes())));
        long bytes = r.core().ledgerBytes();
        r.receive(r.topics().pmTo(r.id()), s.sign(MessageType.PM_TICKET, new PmTicket(0, new TicketBatch(old.params(), padded)),
                w.now()), false);
        w.run(Duration.ofMillis(100));
        assertEquals(replays + 199, r.metrics().protocolRejects("replayed_nonce"));
        assertEquals(before.add(BigInteger.TEN), received(r, s), "the new ticket is credited");
        assertTrue(r.core().ledgerBytes() - bytes < 2_000, "the ledger grew by " + (r.core().ledgerBytes() - bytes)
                + " bytes for one ticket");
    }

    @Test
    void withoutOrderingTicketsFlowButAccountsNeedIt() throws Exception {
        SimFederation f = SimFederation.started(1403, dir, SimFederation.Options.fast(3).withYaml(PM), 20);
        SimWorld w = f.world();
        w.run(Duration.ofSeconds(5));
        SimNode s = f.node(1);
        SimNode r = f.node(3);
        cmd(s, "pm.pay", args("to", "node-3", "ev", "3000"));
        assertTrue(w.runUntil(Duration.ofSeconds(10), () -> received(r, s).compareTo(BigInteger.valueOf(3000)) >= 0),
                "received " + received(r, s));
        ControlCommands.Refused e = assertThrows(ControlCommands.Refused.class, () -> cmd(r, "pm.balance", args()));
        assertTrue(e.getMessage().contains("need ordering"), e.getMessage());
        assertThrows(ControlCommands.Refused.class, () -> cmd(s, "pm.fund", args("deposit", "1", "reserve", "1")));
        w.run(Duration.ofSeconds(60));
        assertTrue(pm(r).recipient().winners().stream().noneMatch(x -> x.state() == WinnerState.CLAIMED),
                "no claim without ordering");
    }

    private static String ledgerText(SimNode n) throws IOException {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.walk(n.config().node().dataDir())) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                all.append(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
            }
        }
        return all.toString();
    }
}
