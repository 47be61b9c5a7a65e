package io.quorumd.pm;

import static io.quorumd.pm.PmFixtures.POLICY;
import static io.quorumd.pm.PmFixtures.T0;
import static io.quorumd.pm.PmFixtures.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeKey;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Json;
import java.math.BigInteger;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The JSON shapes of params, batches and ops: round trips, and strict refusal of anything else. */
class PmCodecTest {
    private final NodeKey sender = key(1);
    private final NodeKey recipient = key(2);
    private final ParamsOffer offer = new ParamsIssuer(recipient.nodeId(), RandKey.of(recipient), POLICY)
            .issue(sender.nodeId(), PmFixtures.paramsSeed(1), T0, BigInteger.valueOf(1_000_000)).get();

    private static ObjectNode reparse(ObjectNode o) throws Exception {
        return (ObjectNode) Json.MAPPER.readTree(Json.MAPPER.writeValueAsBytes(o));
    }

    @Test
    void paramsAndBatchesRoundTrip() throws Exception {
        assertEquals(offer, ParamsOffer.parse(reparse(offer.toJson()), recipient.nodeId()));
        TicketBatch batch = PmFixtures.batch(sender, offer.params(), 1, 2, 3);
        assertEquals(batch, TicketBatch.parse(reparse(batch.toJson()), sender.nodeId()));
    }

    @Test
    void opsRoundTrip() throws Exception {
        Ticket t = Ticket.of(offer.params(), 5);
        List<PmOp> ops = List.of(new PmOp.Fund(1500, 900), new PmOp.Unlock(), new PmOp.CancelUnlock(), new PmOp.Withdraw(),
                new PmOp.Redeem(new SignedTicket(t, sender.sign(t.signingBytes())), Bytes.of(new byte[32])));
        for (PmOp op : ops) {
            assertEquals(op, PmOp.parse(op.op(), reparse(op.args())), op.op());
        }
    }

    @Test
    void malformedShapesAreRefused() {
        ObjectNode extra = offer.toJson();
        extra.put("rand", "00");
        assertThrows(DecodeException.class, () -> ParamsOffer.parse(extra, recipient.nodeId()));
        ObjectNode upper = offer.toJson();
        upper.put("winProb", Uint256.hex(offer.params().winProb()).toUpperCase());
        assertThrows(DecodeException.class, () -> ParamsOffer.parse(upper, recipient.nodeId()));
        ObjectNode zeroFace = offer.toJson();
        zeroFace.put("faceValue", 0);
        assertThrows(DecodeException.class, () -> ParamsOffer.parse(zeroFace, recipient.nodeId()));
        assertThrows(DecodeException.class, () -> ParamsOffer.parse(offer.toJson(), sender.nodeId()),
                "params a member addressed to itself");

        TicketBatch batch = PmFixtures.batch(sender, offer.params(), PmFixtures.range(1, 100));
        ObjectNode big = batch.toJson();
        big.withArray("tickets").add(batch.toJson().withArray("tickets").get(0));
        assertThrows(DecodeException.class, () -> TicketBatch.parse(big, sender.nodeId()), "101 tickets");
        ObjectNode empty = batch.toJson();
        empty.withArray("tickets").removeAll();
        assertThrows(DecodeException.class, () -> TicketBatch.parse(empty, sender.nodeId()));
        ObjectNode zeroNonce = batch.toJson();
        ((ObjectNode) zeroNonce.withArray("tickets").get(0)).put("senderNonce", 0);
        assertThrows(DecodeException.class, () -> TicketBatch.parse(zeroNonce, sender.nodeId()));
        ObjectNode shortSig = batch.toJson();
        ((ObjectNode) shortSig.withArray("tickets").get(0)).put("sig", "AAAA");
        assertThrows(DecodeException.class, () -> TicketBatch.parse(shortSig, sender.nodeId()));

        assertThrows(DecodeException.class, () -> PmOp.parse("pm.mint", Json.object()));
        ObjectNode negative = new PmOp.Fund(1, 1).args();
        negative.put("deposit", -1);
        assertThrows(DecodeException.class, () -> PmOp.parse(PmOp.FUND, negative));
        ObjectNode unlockArgs = Json.object();
        unlockArgs.put("now", 1);
        assertThrows(DecodeException.class, () -> PmOp.parse(PmOp.UNLOCK, unlockArgs));
    }

    @Test
    void theTicketIdIgnoresTheSignature() {
        Ticket t = Ticket.of(offer.params(), 5);
        assertEquals(64, t.ticketId().length());
        assertEquals(t.ticketId(), Ticket.of(offer.params(), 5).ticketId());
        assertThrows(IllegalArgumentException.class, () -> new Ticket(1000, T0, sender.nodeId(), offer.params()
                .recipientRandHash(), sender.nodeId(), 1, BigInteger.ONE), "a member does not pay itself");
    }

    @Test
    void refusalCodesAreDistinctStableSnakeCase() {
        Set<String> seen = new HashSet<>();
        for (PmCode c : PmCode.values()) {
            assertTrue(c.code().matches("[a-z]+(_[a-z]+)*"), c.code());
            assertTrue(seen.add(c.code()), "twice: " + c.code());
        }
        assertEquals("replayed_nonce", PmCode.REPLAYED_NONCE.code());
        assertEquals("too_many_nonces", PmCode.TOO_MANY_NONCES.code());
    }
}
