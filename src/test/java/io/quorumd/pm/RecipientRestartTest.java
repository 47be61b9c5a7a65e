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
import io.quorumd.crypto.Hashes;
import io.quorumd.crypto.NodeKey;
import io.quorumd.wire.Json;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a recipient keeps across a restart (the nonce map, from its ledger) and what it never lets out early (rand). */
class RecipientRestartTest {
    private final NodeKey sender = key(1);
    private final NodeKey me = key(2);
    private final PmMembers members = PmMembers.of(PmFixtures.roster(sender, me, key(3)));
    private final TicketParams p = new ParamsIssuer(me.nodeId(), RandKey.of(me), HALF)
            .issue(sender.nodeId(), PmFixtures.paramsSeed(1), T0, BigInteger.valueOf(1_000_000)).get().params();

    /** A recipient as a fresh process starts it: a new RandKey derived from the same node key, nothing in memory. */
    private Recipient boot() {
        return new Recipient(me.nodeId(), RandKey.of(me), HALF, members, PmFixtures.plentiful());
    }

    /** The accepted batch as the ledger holds it: canonical JSON, read back strictly. */
    private static TicketBatch throughLedger(TicketBatch accepted, NodeKey from) throws Exception {
        byte[] stored = CanonicalJson.encode(accepted.toJson());
        return TicketBatch.parse((ObjectNode) Json.MAPPER.readTree(stored), from.nodeId());
    }

    @Test
    void aRestartedRecipientRefusesOldNoncesAndCreditsEvOnce() throws Exception {
        Recipient before = boot();
        List<TicketBatch> ledger = new ArrayList<>();
        ledger.add(before.receive(batch(sender, p, range(1, 10)), T0 + 1000).accepted().orElseThrow());
        ledger.add(before.receive(batch(sender, p, range(11, 20)), T0 + 2000).accepted().orElseThrow());
        Ev credited = before.received(sender.nodeId());

        Recipient after = boot();
        for (TicketBatch b : ledger) {
            assertTrue(after.replay(throughLedger(b, sender), T0 + 5000).isEmpty());
        }
        assertEquals(credited, after.received(sender.nodeId()));
        assertEquals(20, after.noncesSeen(p.recipientRandHash()));
        assertEquals(before.winners(), after.winners());

        Recipient.Verdict same = after.receive(batch(sender, p, 7), T0 + 6000).verdicts().get(0);
        assertEquals(PmCode.REPLAYED_NONCE, same.refusal().orElseThrow().code());
        Bytes second = new HostileSigner(PmFixtures.seedOf(1)).sign(Ticket.of(p, 7).signingBytes(), BigInteger.valueOf(77));
        Recipient.Verdict resigned = after.receive(new TicketBatch(p, List.of(new TicketBatch.Entry(7, second))), T0 + 6000)
                .verdicts().get(0);
        assertEquals(PmCode.REPLAYED_NONCE, resigned.refusal().orElseThrow().code());
        assertEquals(credited, after.received(sender.nodeId()));

        assertTrue(after.receive(batch(sender, p, 21), T0 + 7000).verdicts().get(0).accepted(),
                "params issued before the restart still verify after it");
    }

    @Test
    void withoutTheReplayAnOldNonceWouldBeAcceptedAgain() {
        boot().receive(batch(sender, p, 7), T0);
        assertTrue(boot().receive(batch(sender, p, 7), T0).verdicts().get(0).accepted(),
                "upstream's gap: the nonce map lived only in memory");
    }

    @Test
    void replayOfExpiredParamsCreditsEvButKeepsNoNonces() {
        TicketBatch accepted = boot().receive(batch(sender, p, range(1, 5)), T0).accepted().orElseThrow();
        Recipient after = boot();
        after.replay(accepted, p.expiresAt());
        assertEquals(p.ev().times(5), after.received(sender.nodeId()));
        assertEquals(0, after.nonceHashes());
    }

    @Test
    void replaySkipsLedgerTicketsThatDoNotVerify() {
        TicketBatch forged = batch(key(3), p, 1, 2);
        Recipient after = boot();
        List<Recipient.Verdict> skipped = after.replay(forged, T0);
        assertEquals(2, skipped.size());
        assertEquals(PmCode.BAD_TICKET_SIG, skipped.get(0).refusal().orElseThrow().code());
        assertEquals(Ev.ZERO, after.received(sender.nodeId()));
    }

    @Test
    void randIsRevealedOnlyAfterItsParamsExpire() {
        Recipient r = boot();
        long won = PmFixtures.nonceThat(true, sender, RandKey.of(me), p, 1);
        TicketBatch accepted = r.receive(batch(sender, p, won), T0).accepted().orElseThrow();
        String id = Ticket.of(p, won).ticketId();

        assertTrue(r.revealRand(id, T0).isEmpty());
        assertTrue(r.revealRand(id, p.expiresAt()).isEmpty());
        assertTrue(r.claim(id, p.expiresAt()).isEmpty());
        assertTrue(r.revealRand("00".repeat(32), p.expiresAt() + 1).isEmpty());
        Bytes rand = r.revealRand(id, p.expiresAt() + 1).orElseThrow();
        assertEquals(p.recipientRandHash(), Hashes.sha256(rand.toArray()));

        String ledger = new String(CanonicalJson.encode(accepted.toJson()), StandardCharsets.UTF_8);
        assertFalse(ledger.contains(rand.hex()), "the ledger record carries the seed, never rand");
        assertFalse(r.winners().toString().contains(rand.hex()));
        assertFalse(RandKey.of(me).toString().contains(rand.hex()));

        PmOp.Redeem redeem = r.claim(id, p.expiresAt() + 1).orElseThrow();
        assertEquals(rand, redeem.rand());
        assertEquals(WinnerState.CLAIMED, r.winners().get(0).state());
        assertTrue(r.claim(id, p.expiresAt() + HALF.claimWindowMs() + 1).isEmpty(), "window closed");
    }

    @Test
    void settledWinnersStopCountingAsPendingAndUnclaimedOnesExpire() {
        Recipient r = boot();
        long first = PmFixtures.nonceThat(true, sender, RandKey.of(me), p, 1);
        long second = PmFixtures.nonceThat(true, sender, RandKey.of(me), p, first + 1);
        r.receive(batch(sender, p, first, second), T0);
        assertEquals(BigInteger.valueOf(2 * p.faceValue()), r.pending(sender.nodeId()));

        String id = Ticket.of(p, first).ticketId();
        r.claim(id, p.expiresAt() + 1).orElseThrow();
        r.settled(id, true);
        assertEquals(BigInteger.valueOf(p.faceValue()), r.pending(sender.nodeId()));

        assertEquals(1, r.nonceHashes());
        assertTrue(r.expire(p.expiresAt() + HALF.claimWindowMs()).isEmpty(), "the window is still open");
        assertEquals(0, r.nonceHashes(), "nonces of expired params are pruned");
        List<Winner> lost = r.expire(p.expiresAt() + HALF.claimWindowMs() + 1);
        assertEquals(1, lost.size());
        assertEquals(WinnerState.EXPIRED, lost.get(0).state());
        assertEquals(Ticket.of(p, second).ticketId(), lost.get(0).ticketId());
        assertTrue(r.winners().isEmpty());
        assertEquals(BigInteger.ZERO, r.pending(sender.nodeId()));
    }

    @Test
    void replayRestoresWinnerStatesFromTheLedgerAndDropsClosedOnes() {
        Recipient live = boot();
        long first = PmFixtures.nonceThat(true, sender, RandKey.of(me), p, 1);
        long second = PmFixtures.nonceThat(true, sender, RandKey.of(me), p, first + 1);
        TicketBatch accepted = live.receive(batch(sender, p, first, second), T0).accepted().orElseThrow();
        String settledId = Ticket.of(p, first).ticketId();
        String claimedId = Ticket.of(p, second).ticketId();

        Recipient after = boot();
        after.replay(accepted, p.expiresAt() + 10);
        after.restore(settledId, WinnerState.SETTLED);
        after.restore(claimedId, WinnerState.CLAIMED);
        after.restore("00".repeat(32), WinnerState.SETTLED);
        assertEquals(WinnerState.SETTLED, after.winners().get(0).state());
        assertEquals(WinnerState.CLAIMED, after.winners().get(1).state());
        assertEquals(BigInteger.valueOf(p.faceValue()), after.pending(sender.nodeId()));
        assertThrows(IllegalStateException.class,
                () -> after.restore(settledId, WinnerState.WON), "a ledger that goes backwards");

        Recipient late = boot();
        late.replay(accepted, p.expiresAt() + HALF.claimWindowMs() + 1);
        assertTrue(late.winners().isEmpty(), "nothing left to claim");
        assertEquals(p.ev().times(2), late.received(sender.nodeId()));
    }
}
