package io.quorumd.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.NodeKey;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class OrderWireTest {
    private static final NodeKey KEY = NodeKey.fromSeed(seed(3));
    private static final EnvelopeSigner SIGNER =
            new EnvelopeSigner(KEY, Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC));
    private static final String D1 = "a".repeat(64);
    private static final String D2 = "b".repeat(64);

    private static byte[] seed(int b) {
        byte[] s = new byte[32];
        s[0] = (byte) b;
        return s;
    }

    private static Envelope request() {
        ObjectNode args = Json.object();
        args.put("name", "node-8");
        return SIGNER.sign(MessageType.ORDER_REQUEST, new OrderRequest(2, "roster.add", args, 1_699_999_999_000L));
    }

    private static Envelope vote(MessageType type, long seq) {
        return SIGNER.sign(type, new OrderVote(2, 1, seq, D1));
    }

    /** One signed sample of every order message type. */
    static List<Envelope> samples() {
        List<OrderItem> items = List.of(new OrderItem(request(), List.of()));
        OrderBatch batch = new OrderBatch(2, 5, 1_700_000_000_000L, items);
        Envelope prepare = vote(MessageType.ORDER_PREPARE, 5);
        Envelope viewChange = SIGNER.sign(MessageType.ORDER_VIEWCHANGE, new OrderViewChange(2, 3,
                new OrderViewChange.Stable(4, D2), List.of(new OrderViewChange.Prepared(5, 1, D1))));
        Envelope checkpoint = SIGNER.sign(MessageType.ORDER_CHECKPOINT, new OrderCheckpoint(2, 4, D2));
        return List.of(request(),
                SIGNER.sign(MessageType.ORDER_ENDORSE, new OrderEndorse(2, request().contentId())),
                SIGNER.sign(MessageType.ORDER_PREPREPARE, OrderPreprepare.of(1, batch)),
                prepare,
                vote(MessageType.ORDER_COMMIT, 5),
                checkpoint,
                viewChange,
                SIGNER.sign(MessageType.ORDER_VIEWPROOF, new OrderViewProof(2, 3, viewChange.contentId(),
                        List.of(new OrderViewProof.Certificate(5, List.of(prepare))))),
                SIGNER.sign(MessageType.ORDER_NEWVIEW, new OrderNewView(2, 3, List.of(viewChange),
                        Optional.of(List.of(checkpoint)), List.of(new OrderNewView.Chosen(5, D1, List.of(prepare))),
                        List.of(6L))),
                SIGNER.sign(MessageType.ORDER_NEWVIEW, new OrderNewView(2, 3, List.of(viewChange), Optional.empty(),
                        List.of(), List.of())),
                SIGNER.sign(MessageType.ORDER_FETCH, new OrderFetch(2, 5, D1)),
                SIGNER.sign(MessageType.ORDER_COMMITTED, new OrderCommitted(2, 5, 1, batch.ts(), items,
                        List.of(vote(MessageType.ORDER_COMMIT, 5)))));
    }

    @TestFactory
    List<DynamicTest> everyOrderBodyRoundTripsAndRefusesExtraOrMissingFields() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Envelope e : samples()) {
            String name = e.type().wireName();
            tests.add(DynamicTest.dynamicTest(name + " round trip", () -> {
                Envelope back = EnvelopeCodec.decode(e.encode());
                assertEquals(e.toJson(), back.toJson());
                assertEquals(e.body(), back.body());
                assertEquals(e.contentId(), back.contentId());
            }));
            tests.add(DynamicTest.dynamicTest(name + " extra field", () -> assertEquals(RejectReason.UNEXPECTED_FIELD,
                    refused(e, b -> b.put("extra", 1)))));
            for (var property : e.toJson().get("body").properties()) {
                String field = property.getKey();
                tests.add(DynamicTest.dynamicTest(name + " without " + field, () ->
                        assertEquals(RejectReason.MISSING_FIELD, refused(e, b -> b.remove(field)))));
            }
        }
        return tests;
    }

    private static RejectReason refused(Envelope e, Consumer<ObjectNode> edit) {
        ObjectNode o = e.toJson();
        edit.accept((ObjectNode) o.get("body"));
        byte[] bytes = o.toString().getBytes(StandardCharsets.UTF_8);
        return assertThrows(DecodeException.class, () -> EnvelopeCodec.decode(bytes)).reason();
    }

    @Test
    void digestsMustBeFullLowercaseHex() {
        Envelope e = vote(MessageType.ORDER_PREPARE, 5);
        assertEquals(RejectReason.BAD_VALUE, refused(e, b -> b.put("digest", D1.substring(2))));
        assertEquals(RejectReason.BAD_VALUE, refused(e, b -> b.put("digest", D1.toUpperCase(java.util.Locale.ROOT))));
        assertEquals(RejectReason.BAD_VALUE, refused(e, b -> b.put("seq", 0)));
    }

    @Test
    void embeddedEnvelopesMustHaveTheRightType() {
        Envelope committed = SIGNER.sign(MessageType.ORDER_COMMITTED,
                new OrderCommitted(2, 5, 1, 7, List.of(), List.of(vote(MessageType.ORDER_COMMIT, 5))));
        assertEquals(RejectReason.BAD_VALUE, refused(committed, b -> b.withArray("commits").set(0,
                vote(MessageType.ORDER_PREPARE, 5).toJson())));
    }

    @Test
    void batchDigestCoversEpochSeqTsAndItems() {
        List<OrderItem> items = List.of(new OrderItem(request(), List.of()));
        String d = new OrderBatch(2, 5, 9, items).digest();
        assertTrue(d.matches("[0-9a-f]{64}"));
        assertFalse(d.equals(new OrderBatch(3, 5, 9, items).digest()));
        assertFalse(d.equals(new OrderBatch(2, 6, 9, items).digest()));
        assertFalse(d.equals(new OrderBatch(2, 5, 10, items).digest()));
        assertFalse(d.equals(new OrderBatch(2, 5, 9, List.of()).digest()));
    }

    @Test
    void eachOrderTypeFitsOnlyItsOwnTopic() {
        Topics t = new Topics("q");
        List<String> all = List.of(t.orderPropose(), t.orderVote(), t.orderView(), t.orderFinal(), t.arbiterVote());
        for (Envelope e : samples()) {
            String home = switch (e.type()) {
                case ORDER_REQUEST, ORDER_ENDORSE -> "q/order/propose";
                case ORDER_PREPREPARE, ORDER_PREPARE, ORDER_COMMIT, ORDER_CHECKPOINT -> "q/order/vote";
                case ORDER_COMMITTED -> "q/order/final";
                default -> "q/order/view";
            };
            for (String topic : all) {
                assertEquals(topic.equals(home), t.fits(topic, e), e.type().wireName() + " on " + topic);
            }
        }
        assertFalse(t.subscriptions(KEY.nodeId()).stream().anyMatch(s -> s.contains("order")));
    }

    @Test
    void replicaIsARoleCode() {
        assertEquals(Optional.of(Role.REPLICA), Role.ofCode("replica"));
    }
}
