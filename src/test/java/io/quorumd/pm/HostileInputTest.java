package io.quorumd.pm;

import static io.quorumd.pm.PmFixtures.HALF;
import static io.quorumd.pm.PmFixtures.T0;
import static io.quorumd.pm.PmFixtures.batch;
import static io.quorumd.pm.PmFixtures.key;
import static io.quorumd.pm.PmFixtures.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.CanonicalJson;
import io.quorumd.crypto.NodeKey;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Json;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Inputs a hostile member can make that the other tests do not: a third party's second signature (S + L), amounts
 * that are not integers in range, and a look for rand in everything the recipient hands out before expiry.
 */
class HostileInputTest {
    /** The order of the Ed25519 base point. */
    private static final BigInteger L = BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));
    private final NodeKey s = key(1);
    private final NodeKey a = key(2);
    private final PmMembers members = PmMembers.of(PmFixtures.roster(s, a, key(3), key(4)));
    private final RandKey aKey = RandKey.of(a);
    private final TicketParams p = new ParamsIssuer(a.nodeId(), aKey, HALF)
            .issue(s.nodeId(), PmFixtures.paramsSeed(1), T0, BigInteger.valueOf(1_000_000)).get().params();

    /** The same signature with S + L: the same equation, other bytes, so another draw if a verifier took it. */
    private static Bytes plusL(Bytes sig) {
        byte[] b = sig.toArray();
        byte[] big = new byte[32];
        for (int i = 0; i < 32; i++) {
            big[i] = b[63 - i];
        }
        byte[] sum = new BigInteger(1, big).add(L).toByteArray();
        for (int i = 0; i < 32; i++) {
            b[32 + i] = i < sum.length ? sum[sum.length - 1 - i] : 0;
        }
        return Bytes.of(b);
    }

    @Test
    void aLosingTicketCannotBeTurnedIntoAWinnerByAddingLToS() {
        Bytes rand = aKey.rand(p);
        long n = 1;
        Bytes sig;
        Bytes mauled;
        do {
            Ticket t = Ticket.of(p, n++);
            sig = s.sign(t.signingBytes());
            mauled = plusL(sig);
        } while (WinMath.wins(sig, rand, p.winProb()) || !WinMath.wins(mauled, rand, p.winProb()));
        Ticket t = Ticket.of(p, n - 1);
        assertFalse(new SignedTicket(t, mauled).verifies(s.publicKey()), "S ≥ L is not a signature");

        Recipient r = new Recipient(a.nodeId(), aKey, HALF, members, PmFixtures.plentiful());
        Recipient.Verdict v = r.receive(new TicketBatch(p, List.of(new TicketBatch.Entry(t.senderNonce(), mauled))), T0)
                .verdicts().get(0);
        assertEquals(PmCode.BAD_TICKET_SIG, v.refusal().orElseThrow().code());
        assertFalse(v.won());

        Accounts accounts = new Accounts(HALF);
        accounts.execute(1, T0, s.nodeId(), new PmOp.Fund(5000, 3000), members);
        long ts = p.expiresAt() + 1;
        Accounts.Result mal = accounts.execute(2, ts, a.nodeId(), new PmOp.Redeem(new SignedTicket(t, mauled), rand), members);
        assertEquals(PmCode.BAD_TICKET_SIG, mal.refusal().orElseThrow().code());
        Accounts.Result honest = accounts.execute(3, ts, a.nodeId(), new PmOp.Redeem(new SignedTicket(t, sig), rand), members);
        assertEquals(PmCode.NOT_WINNING, honest.refusal().orElseThrow().code());
        assertEquals(BigInteger.valueOf(5000), accounts.account(s.nodeId()).deposit());
    }

    private static ObjectNode read(String json) throws Exception {
        return (ObjectNode) Json.MAPPER.readTree(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void amountsWrittenAsFloatsOrBeyondTwoTo53AreRefused() throws Exception {
        for (String amount : List.of("1000.0", "1e3", "-1", "9007199254740992", "18446744073709551616", "\"1000\"")) {
            assertThrows(DecodeException.class, () -> PmOp.parse(PmOp.FUND, read("{\"deposit\":" + amount
                    + ",\"reserve\":1}")), amount);
            ObjectNode body = batch(s, p, 1).toJson();
            ObjectNode ticket = (ObjectNode) body.withArray("tickets").get(0);
            ticket.set("senderNonce", read("{\"v\":" + amount + "}").get("v"));
            assertThrows(DecodeException.class, () -> TicketBatch.parse(body, s.nodeId()), "nonce " + amount);
            ObjectNode face = batch(s, p, 1).toJson();
            face.set("faceValue", read("{\"v\":" + amount + "}").get("v"));
            assertThrows(DecodeException.class, () -> TicketBatch.parse(face, s.nodeId()), "faceValue " + amount);
        }
        assertEquals(new PmOp.Fund(CanonicalJson.MAX_SAFE_INTEGER, 0),
                PmOp.parse(PmOp.FUND, read("{\"deposit\":9007199254740991,\"reserve\":0}")));
    }

    @Test
    void nothingTheRecipientHandsOutBeforeExpiryCarriesRand() {
        String rand = aKey.rand(p).hex();
        Recipient r = new Recipient(a.nodeId(), aKey, HALF, members, PmFixtures.plentiful());
        StringBuilder out = new StringBuilder();
        Recipient.Receipt receipt = r.receive(batch(s, p, range(1, 20)), T0);
        out.append(receipt).append(receipt.accepted().orElseThrow().toJson());
        out.append(r.receive(batch(s, p, range(1, 3)), T0 + 1)); // replayed: refusal details
        out.append(r.receive(batch(key(3), p, 21), T0 + 1)); // bad signature
        out.append(r.receive(batch(s, p.withFaceValue(7), 22), T0 + 1)); // bad rand
        out.append(r.winners()).append(r.refusalCounts()).append(r).append(aKey);
        assertFalse(r.winners().isEmpty());
        for (Winner w : r.winners()) {
            assertTrue(r.revealRand(w.ticketId(), p.expiresAt()).isEmpty());
            assertTrue(r.claim(w.ticketId(), p.expiresAt()).isEmpty());
        }
        Recipient after = new Recipient(a.nodeId(), aKey, HALF, members, PmFixtures.plentiful());
        out.append(after.replay(receipt.accepted().orElseThrow(), T0 + 2));
        assertFalse(out.toString().contains(rand), "rand appears in what the recipient returned");
        assertEquals(rand, r.revealRand(r.winners().get(0).ticketId(), p.expiresAt() + 1).orElseThrow().hex());
    }
}
