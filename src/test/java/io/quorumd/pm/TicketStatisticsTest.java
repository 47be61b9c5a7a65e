package io.quorumd.pm;

import static io.quorumd.pm.PmFixtures.POLICY;
import static io.quorumd.pm.PmFixtures.T0;
import static io.quorumd.pm.PmFixtures.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.NodeKey;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/**
 * 10,000 tickets of EV 10 on faceValue 1000 (winProb ≈ 1/100) from a sender to a recipient through the real
 * Sender and Recipient: the winners fall within 100 ± 30 (3σ ≈ 29.8) and the credited EV is exact. Keys and
 * params seeds are fixed, so every run draws the same tickets and the same count (97 with these keys).
 */
class TicketStatisticsTest {
    @Test
    void tenThousandTicketsAtOneInAHundredGiveAboutAHundredWinners() {
        NodeKey senderKey = key(11);
        NodeKey recipientKey = key(12);
        PmMembers members = PmMembers.of(PmFixtures.roster(senderKey, recipientKey));
        Accounts accounts = new Accounts(POLICY);
        accounts.execute(1, T0, senderKey.nodeId(), new PmOp.Fund(1_000_000, 1_000_000), members);
        Account own = accounts.account(senderKey.nodeId());

        ParamsIssuer issuer = new ParamsIssuer(recipientKey.nodeId(), RandKey.of(recipientKey), POLICY);
        Recipient recipient = new Recipient(recipientKey.nodeId(), RandKey.of(recipientKey), POLICY, members,
                PmFixtures.plentiful());
        Sender sender = new Sender(senderKey.nodeId(), senderKey::sign, POLICY);

        int tickets = 0;
        int winners = 0;
        int paramsUsed = 0;
        long now = T0;
        while (tickets < 10_000) {
            if (sender.needsParams(recipientKey.nodeId(), now)) {
                sender.requested(recipientKey.nodeId());
                ParamsOffer offer = issuer.issue(senderKey.nodeId(), PmFixtures.paramsSeed(++paramsUsed), now,
                        BigInteger.valueOf(1_000_000)).get();
                assertTrue(sender.accept(recipientKey.nodeId(), offer, own, now).isEmpty());
            }
            TicketBatch batch = sender.pay(recipientKey.nodeId(), 100, own, now).get();
            for (Recipient.Verdict v : recipient.receive(batch, now + 1).verdicts()) {
                assertTrue(v.accepted(), () -> "refused: " + v.refusal());
                winners += v.won() ? 1 : 0;
            }
            tickets += batch.tickets().size();
            now += 1000;
        }
        assertEquals(10_000, tickets);
        assertEquals(20, paramsUsed, "500 nonces per params: maxNonces 600 less one batch");
        assertTrue(winners >= 70 && winners <= 130, "winners " + winners + " outside 100 ± 30");
        assertEquals(winners, recipient.winners().size());

        BigInteger winProb = WinMath.winProb(BigInteger.TEN, BigInteger.valueOf(1000));
        BigInteger expected = BigInteger.valueOf(10_000).multiply(BigInteger.valueOf(1000)).multiply(winProb).shiftRight(256);
        assertEquals(expected, recipient.received(senderKey.nodeId()).floor());
        assertEquals(BigInteger.valueOf(100_000), expected);
    }
}
