package io.quorumd.pm;

import static io.quorumd.pm.PmFixtures.POLICY;
import static io.quorumd.pm.PmFixtures.T0;
import static io.quorumd.pm.PmFixtures.batch;
import static io.quorumd.pm.PmFixtures.key;
import static io.quorumd.pm.PmFixtures.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One scenario per recipient check of DESIGN §14, in the order they run; first failure wins. */
class RecipientChecksTest {
    private final NodeKey sender = key(1);
    private final NodeKey me = key(2);
    private final NodeKey other = key(3);
    private final PmMembers members = PmMembers.of(PmFixtures.roster(sender, me, other));
    private final RandKey randKey = RandKey.of(me);
    private final TicketParams p = new ParamsIssuer(me.nodeId(), randKey, POLICY)
            .issue(sender.nodeId(), PmFixtures.paramsSeed(1), T0, BigInteger.valueOf(1_000_000)).get().params();

    private Recipient recipient(FloatSource floats) {
        return new Recipient(me.nodeId(), randKey, POLICY, members, floats);
    }

    private final Recipient recipient = recipient(PmFixtures.plentiful());

    private static PmCode code(Recipient.Receipt r, int i) {
        return r.verdicts().get(i).refusal().orElseThrow().code();
    }

    @Test
    void validTicketsAreAcceptedAndCreditedExactly() {
        Recipient.Receipt r = recipient.receive(batch(sender, p, range(1, 10)), T0 + 1000);
        assertTrue(r.verdicts().stream().allMatch(Recipient.Verdict::accepted));
        assertEquals(p.ev().times(10), recipient.received(sender.nodeId()));
        assertEquals(10, r.accepted().orElseThrow().tickets().size());
    }

    @Test
    void ticketsForAnotherMemberAreWrongRecipient() {
        TicketParams theirs = new ParamsIssuer(other.nodeId(), RandKey.of(other), POLICY)
                .issue(sender.nodeId(), PmFixtures.paramsSeed(1), T0, BigInteger.valueOf(1_000_000)).get().params();
        Recipient.Receipt r = recipient.receive(batch(sender, theirs, 1), T0 + 1000);
        assertEquals(PmCode.WRONG_RECIPIENT, code(r, 0));
        assertTrue(r.accepted().isEmpty());
    }

    @Test
    void faceValueRaisedUnderAValidHashIsBadRand() {
        TicketParams inflated = p.withFaceValue(p.faceValue() * 2);
        Recipient.Receipt r = recipient.receive(batch(sender, inflated, 1, 2), T0 + 1000);
        assertEquals(PmCode.BAD_RAND, code(r, 0));
        assertEquals(PmCode.BAD_RAND, code(r, 1));
        assertEquals(Ev.ZERO, recipient.received(sender.nodeId()));
    }

    @Test
    void anyOtherAlteredTermIsBadRandToo() {
        TicketParams longer = new TicketParams(p.recipient(), p.sender(), p.faceValue(), p.winProb(), p.recipientRandHash(),
                p.seed(), p.expiresAt() + 60_000);
        TicketParams likelier = new TicketParams(p.recipient(), p.sender(), p.faceValue(), p.winProb().shiftLeft(1),
                p.recipientRandHash(), p.seed(), p.expiresAt());
        TicketParams resold = new TicketParams(p.recipient(), other.nodeId(), p.faceValue(), p.winProb(),
                p.recipientRandHash(), p.seed(), p.expiresAt());
        assertEquals(PmCode.BAD_RAND, code(recipient.receive(batch(sender, longer, 1), T0), 0));
        assertEquals(PmCode.BAD_RAND, code(recipient.receive(batch(sender, likelier, 1), T0), 0));
        assertEquals(PmCode.BAD_RAND, code(recipient.receive(batch(other, resold, 1), T0), 0));
    }

    @Test
    void aTicketSignedByAnotherKeyIsBadTicketSig() {
        Recipient.Receipt r = recipient.receive(batch(other, p, 1), T0 + 1000);
        assertEquals(PmCode.BAD_TICKET_SIG, code(r, 0));
        Recipient outsider = new Recipient(me.nodeId(), randKey, POLICY, PmMembers.of(PmFixtures.roster(me, other)),
                PmFixtures.plentiful());
        assertEquals(PmCode.BAD_TICKET_SIG, code(outsider.receive(batch(sender, p, 1), T0 + 1000), 0),
                "a sender without a roster key");
    }

    @Test
    void aTicketOneMillisecondAfterExpiryIsParamsExpired() {
        assertEquals(PmCode.PARAMS_EXPIRED, code(recipient.receive(batch(sender, p, 1), p.expiresAt() + 1), 0));
        assertEquals(PmCode.PARAMS_EXPIRED, code(recipient.receive(batch(sender, p, 2), p.expiresAt()), 0));
        assertTrue(recipient.receive(batch(sender, p, 3), p.expiresAt() - 1).verdicts().get(0).accepted());
    }

    @Test
    void aNonceResentWithTheSameOrAnotherValidSignatureIsReplayedAndCreditedOnce() {
        assertTrue(recipient.receive(batch(sender, p, 7), T0 + 1000).verdicts().get(0).accepted());
        Ev once = recipient.received(sender.nodeId());

        assertEquals(PmCode.REPLAYED_NONCE, code(recipient.receive(batch(sender, p, 7), T0 + 2000), 0));

        HostileSigner hostile = new HostileSigner(PmFixtures.seedOf(1));
        assertEquals(sender.publicKey(), hostile.publicKey());
        Ticket seven = Ticket.of(p, 7);
        Bytes second = hostile.sign(seven.signingBytes(), BigInteger.valueOf(123_456_789));
        assertNotEquals(sender.sign(seven.signingBytes()), second);
        assertTrue(new SignedTicket(seven, second).verifies(sender.publicKey()), "a second valid signature");
        TicketBatch resigned = new TicketBatch(p, List.of(new TicketBatch.Entry(7, second)));
        assertEquals(PmCode.REPLAYED_NONCE, code(recipient.receive(resigned, T0 + 3000), 0));

        assertEquals(once, recipient.received(sender.nodeId()));
        assertEquals(p.ev(), once);
    }

    @Test
    void theSixHundredAndFirstNonceIsTooManyNonces() {
        for (int b = 0; b < 6; b++) {
            Recipient.Receipt r = recipient.receive(batch(sender, p, range(b * 100 + 1, b * 100 + 100)), T0 + b);
            assertTrue(r.verdicts().stream().allMatch(Recipient.Verdict::accepted));
        }
        assertEquals(600, recipient.noncesSeen(p.recipientRandHash()));
        Recipient.Receipt r = recipient.receive(batch(sender, p, 601, 5), T0 + 10);
        assertEquals(PmCode.TOO_MANY_NONCES, code(r, 0));
        assertEquals(PmCode.REPLAYED_NONCE, code(r, 1), "replay is judged before the cap");
        assertEquals(p.ev().times(600), recipient.received(sender.nodeId()));
    }

    @Test
    void aSenderWhoseFundsUnlockWithinTheClaimWindowIsInsufficientFloat() {
        long deadline = p.expiresAt() + POLICY.claimWindowMs();
        Recipient early = recipient(PmFixtures.fixedFloat(deadline, BigInteger.valueOf(1_000_000)));
        assertEquals(PmCode.INSUFFICIENT_FLOAT, code(early.receive(batch(sender, p, 1), T0), 0));
        Recipient late = recipient(PmFixtures.fixedFloat(deadline + 1, BigInteger.valueOf(1_000_000)));
        assertTrue(late.receive(batch(sender, p, 1), T0).verdicts().get(0).accepted());
    }

    @Test
    void aFaceValueAboveMaxFloatIsInsufficientFloat() {
        Recipient tight = recipient(PmFixtures.fixedFloat(0, BigInteger.valueOf(p.faceValue() - 1)));
        assertEquals(PmCode.INSUFFICIENT_FLOAT, code(tight.receive(batch(sender, p, 1), T0), 0));
        Recipient exact = recipient(PmFixtures.fixedFloat(0, BigInteger.valueOf(p.faceValue())));
        assertTrue(exact.receive(batch(sender, p, 1), T0).verdicts().get(0).accepted());
    }

    @Test
    void theFirstFailingCheckNamesTheRefusal() {
        // bad_rand before bad_ticket_sig
        assertEquals(PmCode.BAD_RAND, code(recipient.receive(batch(other, p.withFaceValue(5), 1), T0), 0));
        // bad_ticket_sig before params_expired
        assertEquals(PmCode.BAD_TICKET_SIG, code(recipient.receive(batch(other, p, 1), p.expiresAt() + 1), 0));
        // params_expired before replayed_nonce
        recipient.receive(batch(sender, p, 1), T0);
        assertEquals(PmCode.PARAMS_EXPIRED, code(recipient.receive(batch(sender, p, 1), p.expiresAt() + 1), 0));
        // replayed_nonce before insufficient_float
        BigInteger[] maxFloat = {BigInteger.valueOf(1_000_000)};
        Recipient shrinking = recipient(new FloatSource() {
            @Override
            public long withdrawAt(NodeId s) {
                return 0;
            }

            @Override
            public BigInteger maxFloat(NodeId s, NodeId r, BigInteger pending, long now) {
                return maxFloat[0];
            }
        });
        assertTrue(shrinking.receive(batch(sender, p, 1), T0).verdicts().get(0).accepted());
        maxFloat[0] = BigInteger.ZERO;
        assertEquals(PmCode.REPLAYED_NONCE, code(shrinking.receive(batch(sender, p, 1), T0), 0));
        assertEquals(PmCode.INSUFFICIENT_FLOAT, code(shrinking.receive(batch(sender, p, 2), T0), 0));
        // wrong_recipient before everything
        assertEquals(PmCode.WRONG_RECIPIENT, code(new Recipient(other.nodeId(), randKey, POLICY, members,
                PmFixtures.plentiful()).receive(batch(other, p.withFaceValue(5), 1), p.expiresAt() + 1), 0));
    }

    @Test
    void aRefusedTicketIsNeverWonEvenIfItsDrawWins() {
        long winning = PmFixtures.nonceThat(true, sender, randKey, p, 1);
        Recipient.Verdict first = recipient.receive(batch(sender, p, winning), T0).verdicts().get(0);
        assertTrue(first.accepted() && first.won());
        Recipient.Verdict replayed = recipient.receive(batch(sender, p, winning), T0 + 1).verdicts().get(0);
        assertFalse(replayed.won());
        assertEquals(PmCode.REPLAYED_NONCE, replayed.refusal().orElseThrow().code());

        Recipient fresh = recipient(PmFixtures.plentiful());
        Recipient.Verdict expired = fresh.receive(batch(sender, p, winning), p.expiresAt() + 1).verdicts().get(0);
        assertFalse(expired.won());
        assertTrue(fresh.winners().isEmpty());
        assertEquals(1, recipient.winners().size());
    }

    @Test
    void aBadTicketDoesNotStopTheRestOfItsBatch() {
        Ticket two = Ticket.of(p, 2);
        TicketBatch mixed = new TicketBatch(p, List.of(
                batch(sender, p, 1).tickets().get(0),
                new TicketBatch.Entry(2, other.sign(two.signingBytes())),
                batch(sender, p, 3).tickets().get(0)));
        Recipient.Receipt r = recipient.receive(mixed, T0);
        assertTrue(r.verdicts().get(0).accepted());
        assertEquals(PmCode.BAD_TICKET_SIG, code(r, 1));
        assertTrue(r.verdicts().get(2).accepted());
        assertEquals(List.of(1L, 3L), r.accepted().orElseThrow().tickets().stream().map(TicketBatch.Entry::senderNonce).toList());
        assertEquals(p.ev().times(2), recipient.received(sender.nodeId()));
        assertEquals(1L, recipient.refusalCounts().get(PmCode.BAD_TICKET_SIG));
    }

    @Test
    void aNonceRepeatedInsideOneBatchIsNoBatch() {
        // a signer can make a second valid signature for one ticket: two copies in one batch could be judged apart
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> batch(sender, p, 4, 4));
        assertTrue(e.getMessage().contains("senderNonce once"), e.getMessage());
    }
}
