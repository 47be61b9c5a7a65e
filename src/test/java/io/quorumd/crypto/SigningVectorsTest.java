package io.quorumd.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeCodec;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Heartbeat;
import io.quorumd.wire.MessageType;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The committed vectors were produced by OpenSSL, not by quorumd; quorumd must reproduce them byte for byte. */
class SigningVectorsTest {
    private static JsonNode vector(String name) throws Exception {
        try (InputStream in = SigningVectorsTest.class.getResourceAsStream("/vectors/" + name)) {
            return new ObjectMapper().readTree(in);
        }
    }

    private static NodeKey vectorKey(JsonNode v) throws Exception {
        try (InputStream in = SigningVectorsTest.class.getResourceAsStream("/vectors/" + v.get("privateKeyFile").asText())) {
            return NodeKey.parsePem(new String(in.readAllBytes(), StandardCharsets.US_ASCII), "vector key");
        }
    }

    @Test
    void heartbeatVectorSigningBytesAndSignatureMatch() throws Exception {
        JsonNode v = vector("heartbeat-1.json");
        NodeKey key = vectorKey(v);
        assertEquals(v.get("publicKeyBase64").asText(), key.publicKey().base64());
        assertEquals(v.get("nodeId").asText(), key.nodeId().hex());

        long ts = v.get("ts").asLong();
        Heartbeat body = new Heartbeat(v.get("body").get("startedAt").asLong(), v.get("body").get("seq").asLong());
        EnvelopeSigner signer = new EnvelopeSigner(key, Clock.fixed(Instant.ofEpochMilli(ts), ZoneOffset.UTC));
        Envelope env = signer.sign(MessageType.PRESENCE_HEARTBEAT, body);

        assertEquals(v.get("signingBytesHex").asText(), Bytes.of(env.signingBytes()).hex());
        assertEquals(v.get("signatureHex").asText(), env.sig().hex());
        assertTrue(Ed25519.verify(key.publicKey(), env.signingBytes(), env.sig()));
    }

    @Test
    void vectorEnvelopeSurvivesWireRoundTrip() throws Exception {
        JsonNode v = vector("heartbeat-1.json");
        NodeKey key = vectorKey(v);
        Envelope env = new EnvelopeSigner(key, Clock.fixed(Instant.ofEpochMilli(v.get("ts").asLong()), ZoneOffset.UTC))
                .sign(MessageType.PRESENCE_HEARTBEAT, new Heartbeat(1767225590000L, 7));
        Envelope back = EnvelopeCodec.decode(env.encode());
        assertEquals(env, back);
        assertArrayEquals(env.signingBytes(), back.signingBytes());
    }
}
