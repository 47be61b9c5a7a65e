package io.quorumd.pm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The committed vectors in {@code vectors/pm/pm-ticket-1.json} were computed by {@code make_pm_vectors.py} with
 * Python's {@code cryptography}, not by quorumd; quorumd must reproduce every byte.
 */
class PmVectorsTest {
    private static final HexFormat HEX = HexFormat.of();

    private static JsonNode vector() throws Exception {
        try (InputStream in = PmVectorsTest.class.getResourceAsStream("/vectors/pm/pm-ticket-1.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    private static NodeKey key(JsonNode v, String field) {
        return NodeKey.fromSeed(HEX.parseHex(v.get(field).asText()));
    }

    @Test
    void winProbForEv10AndFaceValue1000() throws Exception {
        JsonNode v = vector();
        BigInteger winProb = WinMath.winProb(BigInteger.valueOf(10), BigInteger.valueOf(1000));
        assertEquals("028f5c28f5c28f5c28f5c28f5c28f5c28f5c28f5c28f5c28f5c28f5c28f5c290", Uint256.hex(winProb));
        assertEquals(v.get("winProbHex").asText(), Uint256.hex(winProb));
    }

    @Test
    void senderIsTheKeyOfTheSigningVectors() throws Exception {
        JsonNode v = vector();
        assertEquals("56475aa75463474c0285df5dbf2bcab7", key(v, "senderSeedHex").nodeId().hex());
        assertEquals(v.get("senderId").asText(), key(v, "senderSeedHex").nodeId().hex());
    }

    @Test
    void pmKeyIsHkdfOfTheNodeSeed() throws Exception {
        JsonNode v = vector();
        NodeKey recipient = key(v, "recipientSeedHex");
        assertEquals(v.get("recipientId").asText(), recipient.nodeId().hex());
        assertEquals(v.get("pmKeyHex").asText(), HEX.formatHex(recipient.derivePmKey()));
    }

    @Test
    void issuedParamsCommitToTheVectorRand() throws Exception {
        JsonNode v = vector();
        NodeKey sender = key(v, "senderSeedHex");
        NodeKey recipient = key(v, "recipientSeedHex");
        RandKey randKey = RandKey.of(recipient);
        long expiresAt = v.get("expiresAt").asLong();
        ParamsIssuer issuer = new ParamsIssuer(recipient.nodeId(), randKey, PmPolicy.defaults());
        ParamsOffer offer = issuer.issue(sender.nodeId(), Bytes.of(HEX.parseHex(v.get("seedHex").asText())),
                expiresAt - PmPolicy.defaults().paramsTtlMs(), BigInteger.valueOf(1_000_000)).get();
        TicketParams p = offer.params();
        assertEquals(v.get("randInput").asText(), new String(p.randInput(), StandardCharsets.UTF_8));
        assertEquals(v.get("randHex").asText(), randKey.rand(p).hex());
        assertEquals(v.get("recipientRandHash").asText(), p.recipientRandHash().hex());
        assertEquals(v.get("faceValue").asLong(), p.faceValue());
        assertEquals(v.get("winProbHex").asText(), Uint256.hex(p.winProb()));
    }

    @Test
    void fixedKeyTicketAndRandGiveTheVectorSignatureHashAndOutcome() throws Exception {
        JsonNode v = vector();
        NodeKey sender = key(v, "senderSeedHex");
        NodeId recipient = new NodeId(v.get("recipientId").asText());
        Bytes rand = Bytes.of(HEX.parseHex(v.get("randHex").asText()));
        Bytes hash = Bytes.of(HEX.parseHex(v.get("recipientRandHash").asText()));
        BigInteger winProb = Uint256.parseHex(v.get("winProbHex").asText());
        int wins = 0;
        for (JsonNode t : v.get("tickets")) {
            Ticket ticket = new Ticket(v.get("faceValue").asLong(), v.get("expiresAt").asLong(), recipient, hash,
                    sender.nodeId(), t.get("senderNonce").asLong(), winProb);
            assertEquals(t.get("canonicalHex").asText(), HEX.formatHex(ticket.canonicalBytes()));
            assertEquals(t.get("ticketId").asText(), ticket.ticketId());
            Bytes sig = sender.sign(ticket.signingBytes());
            assertEquals(t.get("sigHex").asText(), sig.hex());
            assertEquals(t.get("drawHex").asText(), Uint256.hex(WinMath.draw(sig, rand)));
            SignedTicket st = new SignedTicket(ticket, sig);
            assertEquals(t.get("won").asBoolean(), st.wins(rand));
            assertTrue(st.verifies(sender.publicKey()));
            wins += st.wins(rand) ? 1 : 0;
        }
        assertEquals(1, wins, "the vector holds one losing and one winning ticket");
    }
}
