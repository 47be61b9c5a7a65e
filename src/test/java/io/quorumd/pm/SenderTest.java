package io.quorumd.pm;

import static io.quorumd.pm.PmFixtures.POLICY;
import static io.quorumd.pm.PmFixtures.T0;
import static io.quorumd.pm.PmFixtures.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.NodeKey;
import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The sender's side: nonces, and every reason it refuses params or a payment. */
class SenderTest {
    private final NodeKey me = key(1);
    private final NodeKey them = key(2);
    private final NodeKey third = key(3);
    private final PmMembers members = PmMembers.of(PmFixtures.roster(me, them, third));
    private final ParamsIssuer issuer = new ParamsIssuer(them.nodeId(), RandKey.of(them), POLICY);

    private static PmPolicy caps(long maxTicketEV, long maxBatchEV, long depositMultiplier) {
        return new PmPolicy(10, 100, 0, 100, 0, 600_000, 15_000, 600, 100, maxTicketEV, maxBatchEV, depositMultiplier,
                86_400_000, 259_200_000, 86_400_000);
    }

    private Account funded(long deposit, long reserve) {
        Accounts a = new Accounts(POLICY);
        a.execute(1, T0, me.nodeId(), new PmOp.Fund(deposit, reserve), members);
        return a.account(me.nodeId());
    }

    private ParamsOffer offer(int seed, long now) {
        return issuer.issue(me.nodeId(), PmFixtures.paramsSeed(seed), now, BigInteger.valueOf(1_000_000)).get();
    }

    private Sender sender(PmPolicy policy) {
        return new Sender(me.nodeId(), me::sign, policy);
    }

    private Sender withSession(PmPolicy policy, ParamsOffer offer, Account own) {
        Sender s = sender(policy);
        s.requested(them.nodeId());
        assertEquals(Optional.empty(), s.accept(them.nodeId(), offer, own, T0));
        return s;
    }

    private static PmCode code(Optional<PmRefusal> r) {
        return r.orElseThrow().code();
    }

    @Test
    void noncesStartAtOneAndGrowByOneAcrossBatches() {
        ParamsOffer offer = offer(1, T0);
        Sender s = withSession(POLICY, offer, funded(10_000, 10_000));
        TicketBatch first = s.pay(them.nodeId(), 3, funded(10_000, 10_000), T0 + 1).get();
        TicketBatch second = s.pay(them.nodeId(), 2, funded(10_000, 10_000), T0 + 2).get();
        assertEquals(List.of(1L, 2L, 3L), first.tickets().stream().map(TicketBatch.Entry::senderNonce).toList());
        assertEquals(List.of(4L, 5L), second.tickets().stream().map(TicketBatch.Entry::senderNonce).toList());
        Recipient r = new Recipient(them.nodeId(), RandKey.of(them), POLICY, members, PmFixtures.plentiful());
        assertTrue(r.receive(first, T0 + 3).verdicts().stream().allMatch(Recipient.Verdict::accepted));
        assertTrue(r.receive(second, T0 + 3).verdicts().stream().allMatch(Recipient.Verdict::accepted));
    }

    @Test
    void paramsMustAnswerARequestComeFromTheirRecipientAndNameThisSender() {
        Sender s = sender(POLICY);
        Account own = funded(10_000, 10_000);
        assertEquals(PmCode.UNSOLICITED_PARAMS, code(s.accept(them.nodeId(), offer(1, T0), own, T0)));
        s.requested(them.nodeId());
        assertEquals(PmCode.WRONG_RECIPIENT, code(s.accept(third.nodeId(), offer(1, T0), own, T0)));
        ParamsOffer forThird = issuer.issue(third.nodeId(), PmFixtures.paramsSeed(1), T0, BigInteger.valueOf(1_000_000)).get();
        assertEquals(PmCode.WRONG_RECIPIENT, code(s.accept(them.nodeId(), forThird, own, T0)));
        assertTrue(s.accept(them.nodeId(), offer(1, T0), own, T0).isEmpty());
        assertEquals(PmCode.UNSOLICITED_PARAMS, code(s.accept(them.nodeId(), offer(2, T0), own, T0)), "one answer per request");
    }

    @Test
    void paramsUsedOnceAreNeverTakenAgainSoNoNonceRestartsAtOne() {
        ParamsOffer offer = offer(1, T0);
        Account own = funded(10_000, 10_000);
        Sender s = withSession(POLICY, offer, own);
        s.requested(them.nodeId());
        assertEquals(PmCode.KNOWN_PARAMS, code(s.accept(them.nodeId(), offer, own, T0)));

        Sender restarted = sender(POLICY);
        assertTrue(restarted.needsParams(them.nodeId(), T0));
        assertEquals(PmCode.NO_PARAMS, restarted.pay(them.nodeId(), 1, own, T0).refusal().code());
        restarted.rememberUsed(offer.params().recipientRandHash(), offer.params().expiresAt());
        restarted.requested(them.nodeId());
        assertEquals(PmCode.KNOWN_PARAMS, code(restarted.accept(them.nodeId(), offer, own, T0)),
                "a re-delivered old pm.params after a restart");
        assertTrue(restarted.accept(them.nodeId(), offer(2, T0), own, T0).isEmpty(), "fresh params are fine");
        assertEquals(1L, restarted.pay(them.nodeId(), 1, own, T0).get().tickets().get(0).senderNonce());
    }

    @Test
    void paramsNearExpiryAreRefusedAndRetired() {
        ParamsOffer offer = offer(1, T0);
        long expiresAt = offer.params().expiresAt();
        Account own = funded(10_000, 10_000);
        Sender s = sender(POLICY);
        s.requested(them.nodeId());
        assertEquals(PmCode.PARAMS_EXPIRING, code(s.accept(them.nodeId(), offer, own, expiresAt - POLICY.paramsExpiryBufferMs())));
        assertTrue(s.accept(them.nodeId(), offer, own, expiresAt - POLICY.paramsExpiryBufferMs() - 1).isEmpty());
        assertFalse(s.needsParams(them.nodeId(), expiresAt - POLICY.paramsExpiryBufferMs() - 1));
        assertTrue(s.needsParams(them.nodeId(), expiresAt - POLICY.paramsExpiryBufferMs()));
        assertEquals(PmCode.PARAMS_EXPIRING, s.pay(them.nodeId(), 1, own, expiresAt - 1).refusal().code());
        assertEquals(PmCode.NO_PARAMS, s.pay(them.nodeId(), 1, own, expiresAt - 100_000).refusal().code(), "retired");
    }

    @Test
    void evCapsAreComparedExactly() {
        Account own = funded(10_000, 10_000);
        Sender s = sender(caps(10, 100_000, 1));
        s.requested(them.nodeId());
        assertEquals(PmCode.EV_TOO_HIGH, code(s.accept(them.nodeId(), offer(1, T0), own, T0)),
                "EV 10 + 2^-250 is above a cap of exactly 10");
        Sender t = withSession(caps(11, 500, 1), offer(1, T0), own);
        assertEquals(PmCode.BATCH_EV_TOO_HIGH, t.pay(them.nodeId(), 50, own, T0).refusal().code(), "50 × (10 + ε) > 500");
        assertEquals(49, t.pay(them.nodeId(), 49, own, T0).get().tickets().size());
    }

    @Test
    void faceValueAboveDepositOverMultiplierIsRefused() {
        Sender s = sender(caps(1000, 100_000, 2));
        s.requested(them.nodeId());
        assertEquals(PmCode.FACE_VALUE_ABOVE_DEPOSIT, code(s.accept(them.nodeId(), offer(1, T0), funded(1999, 10_000), T0)));
        assertTrue(s.accept(them.nodeId(), offer(1, T0), funded(2000, 10_000), T0).isEmpty());
        assertEquals(PmCode.FACE_VALUE_ABOVE_DEPOSIT, s.pay(them.nodeId(), 1, funded(1000, 10_000), T0).refusal().code(),
                "re-checked when paying: the deposit may have shrunk");
    }

    @Test
    void anUnlockingOrUnfundedSenderDoesNotPay() {
        Sender s = sender(POLICY);
        s.requested(them.nodeId());
        Account unlocking = funded(10_000, 10_000).withFunds(BigInteger.valueOf(10_000), BigInteger.valueOf(10_000), T0 + 5);
        assertEquals(PmCode.UNLOCKING, code(s.accept(them.nodeId(), offer(1, T0), unlocking, T0)));
        assertEquals(PmCode.NO_FUNDS, code(s.accept(them.nodeId(), offer(1, T0), funded(10_000, 0), T0)));
        assertEquals(PmCode.NO_FUNDS, code(s.accept(them.nodeId(), offer(1, T0), Account.EMPTY, T0)));
    }

    @Test
    void paramsAreRetiredAtMaxNoncesLessOneBatch() {
        Account own = funded(10_000, 10_000);
        Sender s = withSession(POLICY, offer(1, T0), own);
        for (int i = 0; i < 5; i++) {
            assertEquals(100, s.pay(them.nodeId(), 100, own, T0).get().tickets().size());
        }
        assertTrue(s.needsParams(them.nodeId(), T0));
        assertEquals(PmCode.PARAMS_USED_UP, s.pay(them.nodeId(), 1, own, T0).refusal().code());
        assertEquals(PmCode.NO_PARAMS, s.pay(them.nodeId(), 1, own, T0).refusal().code());
    }

    @Test
    void batchSizeAndNonceRoomAreBounded() {
        Account own = funded(10_000, 10_000);
        Sender s = withSession(POLICY, offer(1, T0), own);
        assertEquals(PmCode.BAD_BATCH_SIZE, s.pay(them.nodeId(), 0, own, T0).refusal().code());
        assertEquals(PmCode.BAD_BATCH_SIZE, s.pay(them.nodeId(), 101, own, T0).refusal().code());
        assertEquals(Optional.of(1L), s.nextNonce(them.nodeId()));
        ParamsOffer stingy = new ParamsOffer(offer(2, T0).params(), 100);
        Sender t = sender(POLICY);
        t.requested(them.nodeId());
        assertEquals(PmCode.TOO_FEW_NONCES, code(t.accept(them.nodeId(), stingy, own, T0)));
    }

    @Test
    void pruningDropsExpiredSessions() {
        ParamsOffer offer = offer(1, T0);
        Sender s = withSession(POLICY, offer, funded(10_000, 10_000));
        s.prune(offer.params().expiresAt());
        assertTrue(s.nextNonce(them.nodeId()).isEmpty());
    }
}
