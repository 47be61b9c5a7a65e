package io.quorumd.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeKey;
import io.quorumd.pm.ParamsIssuer;
import io.quorumd.pm.ParamsOffer;
import io.quorumd.pm.PmPolicy;
import io.quorumd.pm.RandKey;
import io.quorumd.pm.Ticket;
import io.quorumd.pm.TicketBatch;
import io.quorumd.pm.TicketParams;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The three micropayment bodies: round trips, the core's strict checks through the envelope codec, and topic fit. */
class PmWireTest {
    static final long T0 = 1_767_225_600_000L;
    static final NodeKey SENDER = key(1);
    static final NodeKey RECIPIENT = key(2);
    static final NodeKey OTHER = key(3);
    static final ParamsOffer OFFER = new ParamsIssuer(RECIPIENT.nodeId(), RandKey.of(RECIPIENT), PmPolicy.defaults())
            .issue(SENDER.nodeId(), paramsSeed(), T0, BigInteger.valueOf(1_000_000)).get();
    private static final Topics TOPICS = new Topics("q");

    static NodeKey key(int i) {
        byte[] seed = new byte[32];
        Arrays.fill(seed, (byte) i);
        return NodeKey.fromSeed(seed);
    }

    private static Bytes paramsSeed() {
        byte[] seed = new byte[TicketParams.SEED_BYTES];
        Arrays.fill(seed, (byte) 7);
        return Bytes.of(seed);
    }

    static EnvelopeSigner signer(NodeKey key) {
        return new EnvelopeSigner(key, Clock.fixed(Instant.ofEpochMilli(T0), ZoneOffset.UTC));
    }

    /** {@code count} tickets with nonces 1.. under {@link #OFFER}, each signed by the sender. */
    static TicketBatch batch(int count) {
        List<TicketBatch.Entry> entries = new ArrayList<>();
        for (long n = 1; n <= count; n++) {
            entries.add(new TicketBatch.Entry(n, SENDER.sign(Ticket.of(OFFER.params(), n).signingBytes())));
        }
        return new TicketBatch(OFFER.params(), entries);
    }

    static Envelope request() {
        return signer(SENDER).sign(MessageType.PM_PARAMS_REQUEST, new PmParamsRequest(RECIPIENT.nodeId(), 2, T0));
    }

    static Envelope params() {
        return signer(RECIPIENT).sign(MessageType.PM_PARAMS, new PmParams(2, OFFER));
    }

    static Envelope ticket(int count) {
        return signer(SENDER).sign(MessageType.PM_TICKET, new PmTicket(2, batch(count)));
    }

    private static RejectReason refused(Envelope e, Consumer<ObjectNode> edit) {
        ObjectNode o = e.toJson();
        edit.accept((ObjectNode) o.get("body"));
        byte[] bytes = o.toString().getBytes(StandardCharsets.UTF_8);
        return assertThrows(DecodeException.class, () -> EnvelopeCodec.decode(bytes)).reason();
    }

    private static ObjectNode firstTicket(ObjectNode body) {
        return (ObjectNode) body.withArray("tickets").get(0);
    }

    @TestFactory
    List<DynamicTest> everyPmBodyRoundTripsAndRefusesExtraOrMissingFields() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Envelope e : List.of(request(), params(), ticket(3))) {
            String name = e.type().wireName();
            tests.add(DynamicTest.dynamicTest(name + " round trip", () -> {
                Envelope back = EnvelopeCodec.decode(e.encode());
                assertEquals(e.toJson(), back.toJson());
                assertEquals(e.body(), back.body());
                assertEquals(e.contentId(), back.contentId());
            }));
            tests.add(DynamicTest.dynamicTest(name + " extra field", () -> assertEquals(RejectReason.UNEXPECTED_FIELD,
                    refused(e, b -> b.put("rand", "00".repeat(32))))));
            for (var property : e.toJson().get("body").properties()) {
                String field = property.getKey();
                tests.add(DynamicTest.dynamicTest(name + " without " + field, () ->
                        assertEquals(RejectReason.MISSING_FIELD, refused(e, b -> b.remove(field)))));
            }
        }
        return tests;
    }

    @Test
    void bodiesHaveExactlyTheFieldsOfTheMessageTable() {
        assertEquals(new TreeSet<>(List.of("recipient", "epoch", "requestedAt")), fields(request()));
        assertEquals(new TreeSet<>(List.of("sender", "epoch", "faceValue", "winProb", "recipientRandHash", "seed",
                "expiresAt", "maxNonces")), fields(params()));
        assertEquals(new TreeSet<>(List.of("recipient", "epoch", "faceValue", "winProb", "recipientRandHash", "seed",
                "paramsExpiresAt", "tickets")), fields(ticket(1)));
        ObjectNode entry = firstTicket((ObjectNode) ticket(1).toJson().get("body"));
        assertEquals(Set.of("senderNonce", "sig"), new TreeSet<>(iterable(entry)));
        assertTrue(params().toJson().get("body").get("winProb").textValue().matches("[0-9a-f]{64}"));
        assertTrue(params().toJson().get("body").get("faceValue").isIntegralNumber(), "amounts are JSON integers");
    }

    private static Set<String> fields(Envelope e) {
        return new TreeSet<>(iterable((ObjectNode) e.toJson().get("body")));
    }

    private static List<String> iterable(ObjectNode o) {
        List<String> names = new ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void ticketEntriesAreStrictToo() {
        Envelope e = ticket(2);
        assertEquals(RejectReason.UNEXPECTED_FIELD, refused(e, b -> firstTicket(b).put("won", true)));
        assertEquals(RejectReason.MISSING_FIELD, refused(e, b -> firstTicket(b).remove("sig")));
        assertEquals(RejectReason.BAD_VALUE, refused(e, b -> firstTicket(b).put("sig", "AAAA")));
        assertEquals(RejectReason.BAD_VALUE, refused(e, b -> firstTicket(b).put("sig", "not base64!")));
        assertEquals(RejectReason.WRONG_TYPE, refused(e, b -> b.put("tickets", "all of them")));
        assertEquals(RejectReason.WRONG_TYPE, refused(e, b -> b.withArray("tickets").set(0, 5)));
    }

    @Test
    void hexValuesMustBeLowercaseAndFullLength() {
        for (Envelope e : List.of(params(), ticket(1))) {
            String winProb = e.toJson().get("body").get("winProb").textValue();
            String hash = e.toJson().get("body").get("recipientRandHash").textValue();
            assertEquals(RejectReason.BAD_VALUE, refused(e, b -> b.put("winProb", winProb.toUpperCase(java.util.Locale.ROOT))));
            assertEquals(RejectReason.BAD_VALUE, refused(e, b -> b.put("winProb", winProb.substring(1))));
            assertEquals(RejectReason.BAD_VALUE, refused(e, b -> b.put("winProb", "0".repeat(64))), "winProb 0 never wins");
            assertEquals(RejectReason.BAD_VALUE, refused(e, b -> b.put("recipientRandHash", hash.substring(2))));
            assertEquals(RejectReason.BAD_VALUE, refused(e, b -> b.put("recipientRandHash", "g" + hash.substring(1))));
            assertEquals(RejectReason.BAD_VALUE, refused(e, b -> b.put("seed", "AB".repeat(16))));
            assertEquals(RejectReason.BAD_VALUE, refused(e, b -> b.put("seed", "ab".repeat(32))), "the seed is 16 bytes");
        }
        assertEquals(RejectReason.BAD_VALUE, refused(request(), b -> b.put("recipient", "node-2")));
        assertEquals(RejectReason.BAD_VALUE, refused(params(), b -> b.put("sender", "F".repeat(32))));
        assertEquals(RejectReason.BAD_VALUE, refused(ticket(1), b -> b.put("recipient", "f".repeat(31))));
    }

    @Test
    void negativeZeroAndOversizedAmountsAreRefused() {
        assertEquals(RejectReason.BAD_VALUE, refused(request(), b -> b.put("epoch", -1)));
        assertEquals(RejectReason.BAD_VALUE, refused(request(), b -> b.put("requestedAt", -1)));
        for (Envelope e : List.of(params(), ticket(1))) {
            String expires = e.type() == MessageType.PM_PARAMS ? "expiresAt" : "paramsExpiresAt";
            assertEquals(RejectReason.BAD_VALUE, refused(e, b -> b.put("epoch", -1)));
            assertEquals(RejectReason.BAD_VALUE, refused(e, b -> b.put("faceValue", -1)));
            assertEquals(RejectReason.BAD_VALUE, refused(e, b -> b.put("faceValue", 0)));
            assertEquals(RejectReason.BAD_VALUE, refused(e, b -> b.put("faceValue", 1L << 53)), "beyond 2^53 - 1");
            assertEquals(RejectReason.BAD_VALUE, refused(e, b -> b.put(expires, -1)));
            assertEquals(RejectReason.WRONG_TYPE, refused(e, b -> b.put("faceValue", "1000")));
            assertEquals(RejectReason.WRONG_TYPE, refused(e, b -> b.put("faceValue", 1000.5)));
        }
        assertEquals(RejectReason.BAD_VALUE, refused(params(), b -> b.put("maxNonces", 0)));
        assertEquals(RejectReason.BAD_VALUE, refused(params(), b -> b.put("maxNonces", ParamsOffer.MAX_NONCES + 1)));
        assertEquals(RejectReason.BAD_VALUE, refused(ticket(1), b -> firstTicket(b).put("senderNonce", 0)));
        assertEquals(RejectReason.BAD_VALUE, refused(ticket(1), b -> firstTicket(b).put("senderNonce", -1)));
        assertEquals(RejectReason.NOT_CANONICAL, refused(request(), b -> b.put("requestedAt", 1L << 53)));
    }

    @Test
    void aBatchCarriesOneToAHundredTickets() throws Exception {
        Envelope full = ticket(TicketBatch.MAX_TICKETS);
        assertEquals(full.body(), EnvelopeCodec.decode(full.encode()).body());
        ArrayNode extra = (ArrayNode) full.toJson().get("body").get("tickets");
        assertEquals(RejectReason.BAD_VALUE, refused(full, b -> b.withArray("tickets").add(extra.get(0).deepCopy())),
                "101 tickets");
        assertEquals(RejectReason.BAD_VALUE, refused(ticket(1), b -> b.withArray("tickets").removeAll()), "no tickets");
    }

    @Test
    void theWidestFullBatchFitsAMessageAndMoreThanFitIsOversized() {
        assertEquals(TicketBatch.MAX_TICKETS, MessageLimits.maxPmTickets());
        int fit = MessageLimits.pmTicketsThatFit();
        assertTrue(fit > TicketBatch.MAX_TICKETS, "64 KiB holds " + fit + " of the widest tickets");
        assertTrue(MessageLimits.pmTicketBytes(fit) <= EnvelopeCodec.MAX_BYTES);
        assertTrue(MessageLimits.pmTicketBytes(fit + 1) > EnvelopeCodec.MAX_BYTES);
        assertTrue(ticket(TicketBatch.MAX_TICKETS).encode().length <= MessageLimits.pmTicketBytes(TicketBatch.MAX_TICKETS));
        assertTrue(request().encode().length < 1024 && params().encode().length < 1024);

        ArrayNode one = (ArrayNode) ticket(1).toJson().get("body").get("tickets");
        assertEquals(RejectReason.OVERSIZED, refused(ticket(1), b -> {
            for (int i = 0; i < 2 * fit; i++) {
                b.withArray("tickets").add(one.get(0).deepCopy());
            }
        }));
    }

    @Test
    void theSignerIsBoundFromTheEnvelopeAndNeverPaysItself() throws Exception {
        PmParams decoded = (PmParams) EnvelopeCodec.decode(params().encode()).body();
        assertEquals(RECIPIENT.nodeId(), decoded.signer());
        assertEquals(SENDER.nodeId(), ((PmTicket) EnvelopeCodec.decode(ticket(1).encode()).body()).signer());

        ObjectNode selfParams = params().toJson();
        selfParams.put("from", SENDER.nodeId().hex());
        assertEquals(RejectReason.BAD_VALUE, assertThrows(DecodeException.class,
                () -> EnvelopeCodec.decode(selfParams.toString().getBytes(StandardCharsets.UTF_8))).reason());
        ObjectNode selfTicket = ticket(1).toJson();
        selfTicket.put("from", RECIPIENT.nodeId().hex());
        assertEquals(RejectReason.BAD_VALUE, assertThrows(DecodeException.class,
                () -> EnvelopeCodec.decode(selfTicket.toString().getBytes(StandardCharsets.UTF_8))).reason());

        ObjectNode otherSigner = params().toJson();
        otherSigner.put("from", OTHER.nodeId().hex());
        Envelope rebound = EnvelopeCodec.decode(otherSigner.toString().getBytes(StandardCharsets.UTF_8));
        assertEquals(OTHER.nodeId(), ((PmParams) rebound.body()).signer(), "another signer means other params");
        var verdict = new InboundVerifier(new Roster(List.of(new Member("o", OTHER.publicKey(), Set.of(Role.VOTER)))))
                .verify(rebound);
        assertEquals(RejectReason.BAD_SIGNATURE, ((InboundVerifier.Verdict.Rejected) verdict).reason());
    }

    @Test
    void noNodeSignsAnotherNodesParamsOrTickets() {
        assertThrows(IllegalArgumentException.class, () -> signer(OTHER).sign(MessageType.PM_PARAMS, new PmParams(2, OFFER)));
        assertThrows(IllegalArgumentException.class, () -> signer(RECIPIENT).sign(MessageType.PM_TICKET,
                new PmTicket(2, batch(1))));
        assertThrows(IllegalArgumentException.class, () -> signer(SENDER).sign(MessageType.PM_PARAMS_REQUEST,
                new PmParamsRequest(RECIPIENT.nodeId(), -1, T0)), "what peers would refuse is never signed");
    }

    @Test
    void eachPmMessageFitsOnlyItsAddresseesTopic() {
        Envelope request = request();
        Envelope params = params();
        Envelope ticket = ticket(1);
        List<String> all = List.of(TOPICS.pmTo(SENDER.nodeId()), TOPICS.pmTo(RECIPIENT.nodeId()),
                TOPICS.pmTo(OTHER.nodeId()), TOPICS.orderPropose(), "q/pm/to/+");
        for (String topic : all) {
            assertEquals(topic.equals("q/pm/to/" + RECIPIENT.nodeId().hex()), TOPICS.fits(topic, request), topic);
            assertEquals(topic.equals("q/pm/to/" + SENDER.nodeId().hex()), TOPICS.fits(topic, params), topic);
            assertEquals(topic.equals("q/pm/to/" + RECIPIENT.nodeId().hex()), TOPICS.fits(topic, ticket), topic);
        }
    }

    @Test
    void onlyAPmNodeSubscribesToItsOwnPmTopic() {
        assertFalse(TOPICS.subscriptions(SENDER.nodeId()).stream().anyMatch(s -> s.contains("/pm/")));
        assertEquals(List.of("q/pm/to/" + SENDER.nodeId().hex()), TOPICS.pmSubscriptions(SENDER.nodeId()));
    }
}
