package io.quorumd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.Bytes;
import io.quorumd.pm.ParamsIssuer;
import io.quorumd.pm.ParamsOffer;
import io.quorumd.pm.PmPolicy;
import io.quorumd.pm.RandKey;
import io.quorumd.pm.Ticket;
import io.quorumd.pm.TicketBatch;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.PmParams;
import io.quorumd.wire.PmParamsRequest;
import io.quorumd.wire.PmTicket;
import io.quorumd.wire.RejectReason;
import io.quorumd.wire.Topics;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The micropayment messages through the production gate and routes, on the simulated bus: node-1 pays node-2. With
 * {@code pm.enabled} a node hears its own {@code pm/to} topic, the gate refuses a message on another member's
 * topic as {@code wrong_topic}, and what passes goes to its ticket machine. Without it, nothing arrives.
 */
class PmRoutingTest {
    @TempDir
    Path dir;

    private static SimFederation federation(Path dir, boolean pm) throws Exception {
        SimFederation.Options o = SimFederation.Options.fast(3);
        return SimFederation.started(5, dir, pm ? o.withYaml("pm:\n  enabled: true\n") : o, 20);
    }

    /** node-1's tickets for node-2, under params node-2 issued it. */
    private static Envelope tickets(SimNode sender, SimNode recipient, long now) {
        ParamsOffer offer = offer(sender, recipient, now);
        Ticket t = Ticket.of(offer.params(), 1);
        TicketBatch batch = new TicketBatch(offer.params(), List.of(new TicketBatch.Entry(1, sender.key().sign(t.signingBytes()))));
        return sender.sign(MessageType.PM_TICKET, new PmTicket(0, batch), now);
    }

    private static ParamsOffer offer(SimNode sender, SimNode recipient, long now) {
        return new ParamsIssuer(recipient.id(), RandKey.of(recipient.key()), PmPolicy.defaults())
                .issue(sender.id(), Bytes.of(new byte[16]), now, BigInteger.valueOf(1_000_000)).get();
    }

    @Test
    void aPmNodeHearsItsOwnTopicAndItsTicketMachineTakesWhatArrives() throws Exception {
        SimFederation f = federation(dir, true);
        SimNode one = f.node(1);
        SimNode two = f.node(2);
        SimNode three = f.node(3);
        Topics topics = one.topics();
        long now = f.world().now();

        f.bus().publish(topics.pmTo(two.id()), one.sign(MessageType.PM_PARAMS_REQUEST,
                new PmParamsRequest(two.id(), 0, now), now), false);
        f.bus().publish(topics.pmTo(one.id()), two.sign(MessageType.PM_PARAMS,
                new PmParams(0, offer(one, two, now)), now), false);
        f.bus().publish(topics.pmTo(two.id()), tickets(one, two, now), false);
        f.world().run(Duration.ofSeconds(1));

        assertEquals(10, two.core().payments().orElseThrow().recipient().received(one.id()).floor().longValue(),
                "node-2 took the ticket: EV 10");
        assertEquals(1, f.bus().deliveries(one, MessageType.PM_PARAMS) - 1, "node-2 answered the request with params");
        assertEquals(2, one.metrics().protocolRejects("unsolicited_params"), "node-1 asked for neither params");
        assertEquals(0, f.bus().deliveries(three, MessageType.PM_PARAMS_REQUEST, MessageType.PM_PARAMS,
                MessageType.PM_TICKET), "node-3 hears nobody else's pm topic");
        assertEquals(0, one.metrics().protocolRejects("pm_disabled") + two.metrics().protocolRejects("pm_disabled"));
        assertEquals(0, two.metrics().rejects(RejectReason.WRONG_TOPIC));
    }

    @Test
    void aPmMessageOnAnotherMembersTopicIsRefusedAtTheGate() throws Exception {
        SimFederation f = federation(dir, true);
        SimNode one = f.node(1);
        SimNode two = f.node(2);
        SimNode three = f.node(3);
        long now = f.world().now();

        f.bus().publish(one.topics().pmTo(three.id()), tickets(one, two, now), false);
        f.bus().publish(one.topics().pmTo(three.id()), two.sign(MessageType.PM_PARAMS,
                new PmParams(0, offer(one, two, now)), now), false);
        f.world().run(Duration.ofSeconds(1));

        assertEquals(2, three.metrics().rejects(RejectReason.WRONG_TOPIC), "tickets for node-2, params for node-1");
        assertEquals(0, three.metrics().protocolRejects("pm_disabled"));
        assertEquals(0, two.metrics().protocolRejects("pm_disabled"));
    }

    @Test
    void withoutPmNothingArrives() throws Exception {
        SimFederation f = federation(dir, false);
        SimNode one = f.node(1);
        SimNode two = f.node(2);
        f.bus().publish(one.topics().pmTo(two.id()), tickets(one, two, f.world().now()), false);
        f.world().run(Duration.ofMillis(100));
        assertEquals(0, two.metrics().protocolRejects("pm_disabled"));
        assertEquals(0, f.bus().deliveries(two, MessageType.PM_TICKET), "node-2 does not subscribe to its pm topic");
    }

    @Test
    void theDaemonSubscribesToItsPmTopicOnlyWithPmEnabled() {
        Topics topics = new Topics("q");
        var me = io.quorumd.crypto.NodeKey.fromSeed(new byte[32]).nodeId();
        List<String> off = QuorumNode.subscriptions(topics, me, true, false);
        List<String> on = QuorumNode.subscriptions(topics, me, true, true);
        assertFalse(off.contains("q/pm/to/" + me.hex()));
        assertTrue(on.contains("q/pm/to/" + me.hex()));
        assertEquals(off.size() + 1, on.size());
        assertTrue(on.containsAll(topics.orderSubscriptions()));
        assertFalse(QuorumNode.subscriptions(topics, me, false, false).containsAll(topics.orderSubscriptions()));
    }
}
