package io.quorumd.node;

import static io.quorumd.node.PmNodeTest.args;
import static io.quorumd.node.PmNodeTest.cmd;
import static io.quorumd.node.PmNodeTest.pm;
import static io.quorumd.node.PmNodeTest.received;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.pm.WinnerState;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.PmParamsRequest;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile member and a careless operator against the ticket machine in whole nodes: each finding of the review is
 * a regression test here (what it asserts is the behaviour that closed it); what held stays tested too.
 */
class PmHostileWiringTest {
    static final String PM = PmNodeTest.PM;

    @TempDir
    Path dir;

    static BigInteger earned(SimNode on, io.quorumd.crypto.NodeId who) {
        return on.core().ordering().orElseThrow().federation().state().accounts().account(who).earned();
    }

    static SimFederation funded(long seed, Path dir) throws Exception {
        SimFederation f = SimFederation.started(seed, dir, SimFederation.Options.fast(4).withReplicas(4).withYaml(PM), 20);
        SimWorld w = f.world();
        w.run(Duration.ofSeconds(5));
        SimNode s = f.node(1);
        cmd(s, "pm.fund", args("deposit", "100000", "reserve", "60000"));
        assertTrue(w.runUntil(Duration.ofSeconds(30), () -> f.nodes().stream().allMatch(n -> n.core().ordering().orElseThrow()
                .federation().state().accounts().account(s.id()).deposit().equals(BigInteger.valueOf(100000)))));
        return f;
    }


    /**
     * The recipient crashes right after proposing claims; its claims execute on the other replicas while it is down.
     * After restart every claimed winner should end SETTLED, matching the replicated 'earned'.
     */
    @Test
    void recipientCrashedWhileClaimsExecuteEndsWithTheReplicatedOutcome() throws Exception {
        SimFederation f = funded(2102, dir);
        SimWorld w = f.world();
        SimNode s = f.node(1);
        SimNode r = f.node(2);
        PmNodeTest.claimInFlight(w, s, r, 30000);
        r.crash();
        w.run(Duration.ofSeconds(60));
        r.start();
        w.run(Duration.ofMinutes(6));
        Map<WinnerState, Long> states = PmNodeTest.states(r);
        long settledFace = pm(r).recipient().winners().stream().filter(x -> x.state() == WinnerState.SETTLED)
                .mapToLong(x -> x.signed().ticket().faceValue()).sum();
        assertEquals(earned(f.node(1), r.id()), BigInteger.valueOf(settledFace),
                "the recipient's SETTLED winners are what the federation paid it; states " + states);
        assertEquals(0, states.getOrDefault(WinnerState.REFUSED, 0L), "no paid winner shows as refused: " + states);
    }

    /** Params requests once a second cost the recipient a signature and a publish each, no ledger entry (finding 6). */
    @Test
    void paramsRequestsCostTheRecipientNoLedgerEntry() throws Exception {
        SimFederation f = SimFederation.started(2103, dir, SimFederation.Options.fast(4).withReplicas(4).withYaml(PM), 20);
        SimWorld w = f.world();
        w.run(Duration.ofSeconds(5));
        SimNode hostile = f.node(3);
        SimNode r = f.node(2);
        cmd(hostile, "pm.fund", args("deposit", "100000", "reserve", "60000"));
        w.run(Duration.ofSeconds(10));
        long before = r.published().stream().filter(e -> e.type() == MessageType.PM_PARAMS).count();
        long entries = r.core().ledgerEntries();
        long noise = f.node(4).core().ledgerEntries();
        for (int i = 0; i < 300; i++) {
            Envelope req = hostile.sign(MessageType.PM_PARAMS_REQUEST, new PmParamsRequest(r.id(), 0, 0), w.now());
            r.receive(r.topics().pmTo(r.id()), req, false);
            w.run(Duration.ofMillis(1010));
        }
        long answered = r.published().stream().filter(e -> e.type() == MessageType.PM_PARAMS).count() - before;
        assertEquals(300, answered, "one answer a second");
        long grew = r.core().ledgerEntries() - entries;
        long baseline = f.node(4).core().ledgerEntries() - noise;
        assertTrue(grew <= baseline + 10, "node-2 wrote " + grew + " entries, node-4 (asked nothing) " + baseline);
    }

    /** The broker delivering one params request twice (QoS 1) is a duplicate, not a rate-limit refusal. */
    @Test
    void aParamsRequestDeliveredTwiceIsAnsweredOnce() throws Exception {
        SimFederation f = SimFederation.started(2105, dir, SimFederation.Options.fast(3).withYaml(PM), 20);
        SimWorld w = f.world();
        w.run(Duration.ofSeconds(5));
        SimNode s = f.node(1);
        SimNode r = f.node(2);
        Envelope req = s.sign(MessageType.PM_PARAMS_REQUEST, new PmParamsRequest(r.id(), 0, w.now()), w.now());
        long before = r.published().stream().filter(e -> e.type() == MessageType.PM_PARAMS).count();
        r.receive(r.topics().pmTo(r.id()), req, false);
        r.receive(r.topics().pmTo(r.id()), req, false);
        w.run(Duration.ofMillis(100));
        assertEquals(1, r.published().stream().filter(e -> e.type() == MessageType.PM_PARAMS).count() - before);
        assertEquals(1, r.metrics().protocolRejects("duplicate"));
        assertEquals(0, r.metrics().protocolRejects("pm_rate_limited"));
    }

    /** A burst of 1000 params requests: three answers, the rest counted as pm_rate_limited. */
    @Test
    void aThousandParamsRequestsAtOnceGetOneAnswer() throws Exception {
        SimFederation f = SimFederation.started(2104, dir, SimFederation.Options.fast(4).withYaml(PM), 20);
        SimWorld w = f.world();
        w.run(Duration.ofSeconds(5));
        SimNode hostile = f.node(3);
        SimNode r = f.node(2);
        long before = r.published().stream().filter(e -> e.type() == MessageType.PM_PARAMS).count();
        for (int i = 0; i < 1000; i++) {
            Envelope req = hostile.sign(MessageType.PM_PARAMS_REQUEST, new PmParamsRequest(r.id(), 0, i), w.now());
            r.receive(r.topics().pmTo(r.id()), req, false);
        }
        w.run(Duration.ofMillis(200));
        assertEquals(NodePayments.PARAMS_BURST, r.published().stream().filter(e -> e.type() == MessageType.PM_PARAMS).count()
                - before);
        assertEquals(1000 - NodePayments.PARAMS_BURST, r.metrics().protocolRejects("pm_rate_limited"));
    }






    /** A batch naming one nonce twice is refused at the gate and credits nothing (finding 3). */
    @Test
    void aBatchNamingANonceTwiceIsRefusedWhole() throws Exception {
        SimFederation f = SimFederation.started(2113, dir, SimFederation.Options.fast(3).withYaml(PM), 20);
        SimWorld w = f.world();
        w.run(Duration.ofSeconds(5));
        SimNode hostile = f.node(1);
        SimNode r = f.node(2);
        cmd(hostile, "pm.params", args("from", "node-2"));
        w.run(Duration.ofSeconds(1));
        io.quorumd.pm.TicketParams p = pm(hostile).sender().session(r.id()).orElseThrow().params();
        List<io.quorumd.crypto.Bytes> sigs = io.quorumd.pm.HostileTickets.loserThenWinner(hostile.key(), r.key(), p, 1);
        io.quorumd.pm.TicketBatch one = new io.quorumd.pm.TicketBatch(p, List.of(new io.quorumd.pm.TicketBatch.Entry(1, sigs.get(0))));
        Envelope env = hostile.sign(MessageType.PM_TICKET, new io.quorumd.wire.PmTicket(0, one), w.now());
        // the same envelope with the ticket listed twice (once with its other, winning signature): re-signed raw
        ObjectNode json = env.toJson();
        com.fasterxml.jackson.databind.node.ArrayNode tickets = (com.fasterxml.jackson.databind.node.ArrayNode) json.path("body").path("tickets");
        tickets.addObject().put("senderNonce", 1).put("sig", sigs.get(1).base64());
        long malformed = r.metrics().rejects(io.quorumd.wire.RejectReason.BAD_VALUE);
        r.receiveRaw(r.topics().pmTo(r.id()), resigned(hostile, json));
        w.run(Duration.ofMillis(100));
        assertEquals(malformed + 1, r.metrics().rejects(io.quorumd.wire.RejectReason.BAD_VALUE), "refused at decode");
        assertEquals(io.quorumd.pm.Ev.ZERO, pm(r).recipient().received(hostile.id()), "nothing credited");
    }

    /** The envelope JSON signed again by {@code by} over its (changed) body, as a hostile member's client would. */
    private static byte[] resigned(SimNode by, ObjectNode json) {
        json.remove("sig");
        byte[] signing = io.quorumd.crypto.SigningBytes.of("quorumd/1\n", json); // the envelope domain (DESIGN §4)
        json.put("sig", by.key().sign(signing).base64());
        return io.quorumd.crypto.CanonicalJson.encode(json);
    }



    /** What held: operator mistakes refused, tickets under another member's params, batches named to someone else. */
    @Test
    void heldRefusals() throws Exception {
        SimFederation f = SimFederation.started(2116, dir, SimFederation.Options.fast(3).withYaml(PM), 20);
        SimWorld w = f.world();
        w.run(Duration.ofSeconds(5));
        SimNode a = f.node(1);
        SimNode r = f.node(2);
        SimNode hostile = f.node(3);
        assertThrows(ControlCommands.Refused.class, () -> cmd(a, "pm.pay", args("to", "node-1", "ev", "5")));
        assertThrows(ControlCommands.Refused.class, () -> cmd(a, "pm.pay", args("to", "node-9", "ev", "5")));
        assertThrows(ControlCommands.Refused.class, () -> cmd(a, "pm.pay", args("to", "node-2", "ev", "0")));
        ObjectNode neg = args("to", "node-2");
        neg.put("ev", -5);
        assertThrows(ControlCommands.Refused.class, () -> cmd(a, "pm.pay", neg));
        ObjectNode str = args("to", "node-2");
        str.put("ev", "7");
        assertThrows(ControlCommands.Refused.class, () -> cmd(a, "pm.pay", str));

        // node-1 holds params from node-2; hostile node-3 signs tickets under them with its own key
        cmd(a, "pm.params", args("from", "node-2"));
        w.run(Duration.ofSeconds(1));
        io.quorumd.pm.TicketParams p = pm(a).sender().session(r.id()).orElseThrow().params();
        io.quorumd.pm.TicketParams stolen = new io.quorumd.pm.TicketParams(p.recipient(), hostile.id(), p.faceValue(),
                p.winProb(), p.recipientRandHash(), p.seed(), p.expiresAt());
        io.quorumd.crypto.Bytes sig = hostile.key().sign(io.quorumd.pm.Ticket.of(stolen, 1).signingBytes());
        Envelope env = hostile.sign(MessageType.PM_TICKET, new io.quorumd.wire.PmTicket(0,
                new io.quorumd.pm.TicketBatch(stolen, List.of(new io.quorumd.pm.TicketBatch.Entry(1, sig)))), w.now());
        r.receive(r.topics().pmTo(r.id()), env, false);
        // a batch naming node-1 as recipient, delivered on node-2's topic
        io.quorumd.pm.TicketParams toOther = new io.quorumd.pm.TicketParams(a.id(), hostile.id(), p.faceValue(),
                p.winProb(), p.recipientRandHash(), p.seed(), p.expiresAt());
        Envelope misnamed = hostile.sign(MessageType.PM_TICKET, new io.quorumd.wire.PmTicket(0,
                new io.quorumd.pm.TicketBatch(toOther, List.of(new io.quorumd.pm.TicketBatch.Entry(1,
                        hostile.key().sign(io.quorumd.pm.Ticket.of(toOther, 1).signingBytes()))))), w.now());
        r.receive(r.topics().pmTo(r.id()), misnamed, false);
        w.run(Duration.ofMillis(100));
        assertEquals(1, r.metrics().protocolRejects("bad_rand"), "stolen params: bad_rand");
        assertEquals(io.quorumd.pm.Ev.ZERO, pm(r).recipient().received(hostile.id()));
        assertEquals(io.quorumd.pm.Ev.ZERO, pm(a).recipient().received(hostile.id()));
    }

    /**
     * Two valid signatures of one ticket sent in two batches: the first (a loser) is taken, the second refused
     * replayed_nonce; a restart past expiry replays exactly the first, so no winner appears (finding 3).
     */
    @Test
    void aTicketRefusedLiveStaysRefusedAfterRestart() throws Exception {
        SimFederation f = funded(2117, dir);
        SimWorld w = f.world();
        SimNode s = f.node(1);
        SimNode r = f.node(2);
        cmd(s, "pm.params", args("from", "node-2"));
        w.run(Duration.ofSeconds(1));
        io.quorumd.pm.TicketParams p = pm(s).sender().session(r.id()).orElseThrow().params();
        List<io.quorumd.crypto.Bytes> sigs = io.quorumd.pm.HostileTickets.loserThenWinner(s.key(), r.key(), p, 1);
        for (io.quorumd.crypto.Bytes sig : sigs) {
            Envelope env = s.sign(MessageType.PM_TICKET, new io.quorumd.wire.PmTicket(epochOf(s), new io.quorumd.pm.TicketBatch(p,
                    List.of(new io.quorumd.pm.TicketBatch.Entry(1, sig)))), w.now());
            r.receive(r.topics().pmTo(r.id()), env, false);
            w.run(Duration.ofMillis(100));
        }
        assertTrue(pm(r).recipient().winners().isEmpty(), "live: the accepted ticket lost, the winning copy was refused");
        w.run(Duration.ofSeconds(25));
        r.crash();
        r.start();
        w.run(Duration.ofSeconds(60));
        assertTrue(pm(r).recipient().winners().isEmpty(), "after restart: winners " + pm(r).recipient().winners().stream()
                .map(x -> x.state().code()).toList() + ", earned " + earned(s, r.id()));
    }

    private static long epochOf(SimNode n) {
        return n.core().ordering().map(o -> o.federation().state().epoch()).orElse(0L);
    }








}
