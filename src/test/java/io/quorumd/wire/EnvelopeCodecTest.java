package io.quorumd.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.NodeKey;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class EnvelopeCodecTest {
    private static final NodeKey ALICE = NodeKey.fromSeed(seed(1));
    private static final NodeKey MALLORY = NodeKey.fromSeed(seed(9));
    private static final Roster ROSTER = new Roster(List.of(new Member("alice", ALICE.publicKey(), Set.of(Role.VOTER))));
    private static final EnvelopeSigner SIGNER =
            new EnvelopeSigner(ALICE, Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC));

    private static byte[] seed(int b) {
        byte[] s = new byte[32];
        s[0] = (byte) b;
        return s;
    }

    private static Envelope heartbeat() {
        return SIGNER.sign(MessageType.PRESENCE_HEARTBEAT, new Heartbeat(1_699_999_999_000L, 3));
    }

    /** A valid heartbeat's JSON, edited, then serialized plainly. */
    private static byte[] edited(Consumer<ObjectNode> edit) {
        ObjectNode o = heartbeat().toJson();
        edit.accept(o);
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static RejectReason decodeReason(byte[] payload) {
        return assertThrows(DecodeException.class, () -> EnvelopeCodec.decode(payload)).reason();
    }

    @Test
    void validEnvelopeDecodesAndVerifies() throws Exception {
        Envelope env = EnvelopeCodec.decode(heartbeat().encode());
        var verdict = new InboundVerifier(ROSTER).verify(env);
        assertInstanceOf(InboundVerifier.Verdict.Accepted.class, verdict);
    }

    @Test
    void oversizedPayloadIsRejectedBeforeParsing() {
        byte[] big = new byte[EnvelopeCodec.MAX_BYTES + 1];
        assertEquals(RejectReason.OVERSIZED, decodeReason(big));
    }

    @Test
    void malformedJsonIsRejected() {
        assertEquals(RejectReason.MALFORMED_JSON, decodeReason("{\"v\":1,".getBytes(StandardCharsets.UTF_8)));
        assertEquals(RejectReason.MALFORMED_JSON, decodeReason(new byte[0]));
        assertEquals(RejectReason.MALFORMED_JSON, decodeReason("{} {}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void duplicateKeyIsMalformed() {
        String json = new String(heartbeat().encode(), StandardCharsets.UTF_8).replaceFirst("\\{", "{\"v\":1,");
        assertEquals(RejectReason.MALFORMED_JSON, decodeReason(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void missingFieldsAreRejected() {
        for (String field : List.of("v", "type", "from", "ts", "body", "sig")) {
            assertEquals(RejectReason.MISSING_FIELD, decodeReason(edited(o -> o.remove(field))), field);
        }
        assertEquals(RejectReason.MISSING_FIELD,
                decodeReason(edited(o -> ((ObjectNode) o.get("body")).remove("seq"))));
    }

    @Test
    void extraFieldsAreRejectedInEnvelopeAndBody() {
        assertEquals(RejectReason.UNEXPECTED_FIELD, decodeReason(edited(o -> o.put("extra", 1))));
        assertEquals(RejectReason.UNEXPECTED_FIELD,
                decodeReason(edited(o -> ((ObjectNode) o.get("body")).put("note", "hi"))));
    }

    @Test
    void wronglyTypedFieldsAreRejected() {
        assertEquals(RejectReason.WRONG_TYPE, decodeReason(edited(o -> o.put("ts", "1700000000000"))));
        assertEquals(RejectReason.WRONG_TYPE, decodeReason(edited(o -> o.put("ts", 1.5))));
        assertEquals(RejectReason.WRONG_TYPE, decodeReason(edited(o -> o.put("body", "x"))));
        assertEquals(RejectReason.WRONG_TYPE, decodeReason(edited(o -> o.put("type", 5))));
        assertEquals(RejectReason.WRONG_TYPE,
                decodeReason(edited(o -> ((ObjectNode) o.get("body")).put("seq", true))));
        assertEquals(RejectReason.WRONG_TYPE, decodeReason("[1,2]".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void badValuesAreRejected() {
        assertEquals(RejectReason.BAD_VALUE, decodeReason(edited(o -> o.put("from", "ABC"))));
        assertEquals(RejectReason.BAD_VALUE, decodeReason(edited(o -> o.put("sig", "AAAA"))));
        assertEquals(RejectReason.BAD_VALUE, decodeReason(edited(o -> o.put("sig", "not base64!"))));
        assertEquals(RejectReason.BAD_VALUE, decodeReason(edited(o -> o.put("ts", -5))));
        assertEquals(RejectReason.BAD_VALUE,
                decodeReason(edited(o -> ((ObjectNode) o.get("body")).put("seq", -1))));
    }

    @Test
    void contentCanonicalJsonCannotHoldIsRejectedAsNotCanonical() {
        assertEquals(RejectReason.NOT_CANONICAL, decodeReason(edited(o -> o.put("ts", 9_007_199_254_740_992L))));
        assertEquals(RejectReason.NOT_CANONICAL,
                decodeReason(edited(o -> ((ObjectNode) o.get("body")).put("seq", 1L << 60))));

        Envelope vote = SIGNER.sign(MessageType.DISPUTE_VOTE,
                new DisputeVote("0".repeat(32), Decision.BUYER, "LONE", 1_700_000_000_000L));
        byte[] loneSurrogate = vote.toJson().toString().replace("LONE", "ok \\ud800")
                .getBytes(StandardCharsets.UTF_8);
        var e = assertThrows(DecodeException.class, () -> EnvelopeCodec.decode(loneSurrogate));
        assertEquals(RejectReason.NOT_CANONICAL, e.reason());
        assertEquals("lone surrogate in a string at index 3 (at /body/reason)", e.getMessage());
    }

    @Test
    void unknownVersionAndTypeAreRejected() {
        assertEquals(RejectReason.UNSUPPORTED_VERSION, decodeReason(edited(o -> o.put("v", 2))));
        assertEquals(RejectReason.UNKNOWN_TYPE, decodeReason(edited(o -> o.put("type", "presence.gossip"))));
    }

    @Test
    void senderOutsideRosterIsRejected() throws Exception {
        Envelope foreign = new EnvelopeSigner(MALLORY, Clock.systemUTC())
                .sign(MessageType.PRESENCE_HEARTBEAT, new Heartbeat(1, 1));
        var verdict = new InboundVerifier(ROSTER).verify(EnvelopeCodec.decode(foreign.encode()));
        assertEquals(RejectReason.UNKNOWN_SENDER, ((InboundVerifier.Verdict.Rejected) verdict).reason());
    }

    @Test
    void anyChangeAfterSigningBreaksTheSignature() throws Exception {
        byte[] changed = edited(o -> ((ObjectNode) o.get("body")).put("seq", 4));
        var verdict = new InboundVerifier(ROSTER).verify(EnvelopeCodec.decode(changed));
        assertEquals(RejectReason.BAD_SIGNATURE, ((InboundVerifier.Verdict.Rejected) verdict).reason());
    }

    @Test
    void keyOfAnotherMemberCannotSignInTheirName() throws Exception {
        // Mallory signs but claims to be alice.
        Envelope real = heartbeat();
        Envelope forged = new Envelope(real.type(), real.from(), real.ts(), real.body(), MALLORY.sign(real.signingBytes()));
        var verdict = new InboundVerifier(ROSTER).verify(EnvelopeCodec.decode(forged.encode()));
        assertEquals(RejectReason.BAD_SIGNATURE, ((InboundVerifier.Verdict.Rejected) verdict).reason());
    }

    @Test
    void presenceFitsOnlyTheSendersOwnTopic() {
        Topics topics = new Topics("quorumd/t");
        Envelope env = heartbeat();
        assertEquals(true, topics.fits("quorumd/t/presence/" + ALICE.nodeId(), env));
        assertEquals(false, topics.fits("quorumd/t/presence/" + MALLORY.nodeId(), env));
        assertEquals(false, topics.fits("quorumd/t/checkpoint/propose", env));
    }
}
