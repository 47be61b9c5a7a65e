package io.quorumd.pm;

import static io.quorumd.pm.PmFixtures.POLICY;
import static io.quorumd.pm.PmFixtures.T0;
import static io.quorumd.pm.PmFixtures.batch;
import static io.quorumd.pm.PmFixtures.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.CanonicalJson;
import io.quorumd.crypto.NodeKey;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Json;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/** Funding, unlocking and withdrawing; reserve periods; maxFloat; the state document. */
class AccountsTest {
    private final NodeKey s = key(1);
    private final NodeKey a = key(2);
    private final NodeKey b = key(3);
    private final NodeKey c = key(4);
    private final PmMembers members = PmMembers.of(PmFixtures.roster(s, a, b, c));
    private final Accounts accounts = new Accounts(POLICY);
    private long seq;

    private Accounts.Result run(long ts, NodeKey signer, PmOp op) {
        return accounts.execute(++seq, ts, signer.nodeId(), op, members);
    }

    private static PmCode code(Accounts.Result r) {
        return r.refusal().orElseThrow().code();
    }

    private static BigInteger big(long v) {
        return BigInteger.valueOf(v);
    }

    @Test
    void unlockWithdrawAndTheirRefusals() {
        assertEquals(PmCode.NO_FUNDS, code(run(T0, s, new PmOp.Unlock())));
        assertEquals(PmCode.BAD_AMOUNT, code(run(T0, s, new PmOp.Fund(0, 0))));
        assertTrue(run(T0, s, new PmOp.Fund(1000, 600)).ok());
        assertEquals(PmCode.NO_UNLOCK, code(run(T0, s, new PmOp.Withdraw())));
        assertEquals(PmCode.NO_UNLOCK, code(run(T0, s, new PmOp.CancelUnlock())));

        assertTrue(run(T0 + 5, s, new PmOp.Unlock()).ok());
        long withdrawAt = T0 + 5 + POLICY.unlockPeriodMs();
        assertEquals(withdrawAt, accounts.account(s.nodeId()).withdrawAt());
        assertEquals(PmCode.UNLOCK_IN_PROGRESS, code(run(T0 + 6, s, new PmOp.Unlock())));
        assertEquals(PmCode.STILL_LOCKED, code(run(withdrawAt - 1, s, new PmOp.Withdraw())));
        assertTrue(run(withdrawAt - 1, s, new PmOp.CancelUnlock()).ok());
        assertEquals(0, accounts.account(s.nodeId()).withdrawAt());

        assertTrue(run(withdrawAt, s, new PmOp.Unlock()).ok());
        long second = withdrawAt + POLICY.unlockPeriodMs();
        Accounts.Result out = run(second, s, new PmOp.Withdraw());
        assertTrue(out.ok());
        assertEquals(big(1600), out.withdrawn());
        assertEquals(BigInteger.ZERO, accounts.account(s.nodeId()).deposit());
        assertEquals(BigInteger.ZERO, accounts.account(s.nodeId()).reserve());
        assertEquals(PmCode.NO_FUNDS, code(run(second, s, new PmOp.Withdraw())));

        assertTrue(run(second + 1, s, new PmOp.Fund(10, 0)).ok());
        assertEquals(0, accounts.account(s.nodeId()).withdrawAt(), "funding cancels a running unlock");
    }

    @Test
    void aStrangerCannotOperate() {
        assertEquals(PmCode.NOT_A_MEMBER, code(run(T0, key(9), new PmOp.Fund(10, 10))));
    }

    @Test
    void orderedTimeNeverGoesBack() {
        run(T0 + 10, s, new PmOp.Fund(10, 10));
        assertThrows(IllegalStateException.class, () -> accounts.execute(seq + 1, T0 + 9, s.nodeId(), new PmOp.Unlock(), members));
        assertThrows(IllegalStateException.class, () -> accounts.execute(seq - 1, T0 + 10, s.nodeId(), new PmOp.Unlock(), members));
    }

    @Test
    void reserveAllocationIsAnEqualShareOfThePeriodsStartAndResetsNextPeriod() {
        run(T0, s, new PmOp.Fund(0, 900));
        long p = accounts.period(T0);
        Account acc = accounts.account(s.nodeId());
        assertEquals(big(300), Accounts.reserveAlloc(acc, a.nodeId(), p, members));
        Account afterA = acc.paying(BigInteger.ZERO, big(300), a.nodeId(), p);
        assertEquals(big(0), Accounts.reserveAlloc(afterA, a.nodeId(), p, members));
        assertEquals(big(300), Accounts.reserveAlloc(afterA, b.nodeId(), p, members), "⌊(600 + 300) / 3⌋ − 0");
        assertEquals(big(200), Accounts.reserveAlloc(afterA, a.nodeId(), p + 1, members), "a new period: ⌊600 / 3⌋");
        assertEquals(BigInteger.ZERO, Accounts.reserveAlloc(acc, key(9).nodeId(), p, members), "not a member");
        PmMembers alone = PmMembers.of(PmFixtures.roster(s));
        assertEquals(BigInteger.ZERO, Accounts.reserveAlloc(acc, a.nodeId(), p, alone), "no pool");
    }

    @Test
    void maxFloatIsTheAllocationUnlessTheDepositCoversLessThanThreeTimesWhatIsPending() {
        run(T0, s, new PmOp.Fund(3000, 3000));
        assertEquals(big(1000), accounts.maxFloat(s.nodeId(), a.nodeId(), BigInteger.ZERO, T0, members));
        assertEquals(big(1000), accounts.maxFloat(s.nodeId(), a.nodeId(), big(1000), T0, members), "3000 ≥ 3 × 1000");
        assertEquals(big(-1), accounts.maxFloat(s.nodeId(), a.nodeId(), big(1001), T0, members), "3000 < 3 × 1001");
    }

    @Test
    void aRecipientStopsTakingTicketsOnceItsPendingWinnersEatTheFloat() {
        PmPolicy half = PmFixtures.HALF;
        Accounts state = new Accounts(half);
        state.execute(1, T0, s.nodeId(), new PmOp.Fund(2999, 3000), members);
        TicketParams p = new ParamsIssuer(a.nodeId(), RandKey.of(a), half)
                .issue(s.nodeId(), PmFixtures.paramsSeed(1), T0, state.maxFloat(s.nodeId(), a.nodeId(), BigInteger.ZERO, T0,
                        members)).get().params();
        assertEquals(1000, p.faceValue());
        Recipient r = new Recipient(a.nodeId(), RandKey.of(a), half, members, state.floats(members));
        long won = PmFixtures.nonceThat(true, s, RandKey.of(a), p, 1);
        assertTrue(r.receive(batch(s, p, won), T0).verdicts().get(0).won());
        Recipient.Verdict next = r.receive(batch(s, p, won + 1), T0).verdicts().get(0);
        assertEquals(PmCode.INSUFFICIENT_FLOAT, next.refusal().orElseThrow().code(), "maxFloat = 1000 − 1000 pending");
        ParamsIssuer issuer = new ParamsIssuer(a.nodeId(), RandKey.of(a), half);
        assertEquals(PmCode.INSUFFICIENT_FLOAT, issuer.issue(s.nodeId(), PmFixtures.paramsSeed(2), T0,
                state.maxFloat(s.nodeId(), a.nodeId(), r.pending(s.nodeId()), T0, members)).refusal().code());
    }

    @Test
    void issuedFaceValueIsCappedByMaxFloatAndMaxFaceValue() {
        ParamsIssuer issuer = new ParamsIssuer(a.nodeId(), RandKey.of(a), POLICY);
        assertEquals(big(1000), issuer.faceValue(big(5000)));
        assertEquals(big(400), issuer.faceValue(big(400)));
        PmPolicy capped = new PmPolicy(10, 100, 50, 100, 700, 600_000, 15_000, 600, 100, 1000, 100_000, 1, 86_400_000,
                259_200_000, 86_400_000);
        assertEquals(big(700), new ParamsIssuer(a.nodeId(), RandKey.of(a), capped).faceValue(big(10_000)),
                "redeemCost × multiplier = 5000, capped at maxFaceValue 700");
        assertEquals(PmCode.INSUFFICIENT_FLOAT, issuer.issue(s.nodeId(), PmFixtures.paramsSeed(1), T0, big(9)).refusal().code());
    }

    @Test
    void stateDocumentRoundTripsCarriesLargeSumsAndRefusesTampering() throws Exception {
        long max = CanonicalJson.MAX_SAFE_INTEGER;
        run(T0, s, new PmOp.Fund(max, max));
        run(T0, s, new PmOp.Fund(max, 1));
        run(T0 + 1, a, new PmOp.Fund(5, 5));
        run(T0 + 2, a, new PmOp.Unlock());
        byte[] doc = CanonicalJson.encode(accounts.toJson());
        Accounts back = Accounts.fromJson(Json.MAPPER.readTree(doc), POLICY);
        assertEquals(accounts.digest(), back.digest());
        assertEquals(BigInteger.valueOf(max).shiftLeft(1), back.account(s.nodeId()).deposit());

        ObjectNode extra = accounts.toJson();
        extra.put("bonus", 1);
        assertThrows(DecodeException.class, () -> Accounts.fromJson(extra, POLICY));
        ObjectNode padded = accounts.toJson();
        ((ObjectNode) padded.withArray("accounts").get(0)).put("deposit", "007");
        assertThrows(DecodeException.class, () -> Accounts.fromJson(padded, POLICY));
    }

    @Test
    void usedTicketIdsArePrunedOnceTheirClaimWindowCloses() {
        PmPolicy half = PmFixtures.HALF;
        Accounts state = new Accounts(half);
        state.execute(1, T0, s.nodeId(), new PmOp.Fund(5000, 3000), members);
        TicketParams p = new ParamsIssuer(a.nodeId(), RandKey.of(a), half)
                .issue(s.nodeId(), PmFixtures.paramsSeed(1), T0, big(1_000_000)).get().params();
        long n = PmFixtures.nonceThat(true, s, RandKey.of(a), p, 1);
        Ticket t = Ticket.of(p, n);
        PmOp.Redeem op = new PmOp.Redeem(new SignedTicket(t, s.sign(t.signingBytes())), RandKey.of(a).rand(p));
        assertTrue(state.execute(2, p.expiresAt() + 1, a.nodeId(), op, members).ok());
        assertEquals(1, state.toJson().get("used").size());
        long closed = p.expiresAt() + half.claimWindowMs();
        state.execute(3, closed, s.nodeId(), new PmOp.Fund(1, 0), members);
        assertEquals(1, state.toJson().get("used").size(), "still redeemable at the window's last ms");
        Accounts.Result again = state.execute(4, closed + 1, a.nodeId(), op, members);
        assertEquals(0, state.toJson().get("used").size());
        assertEquals(PmCode.OUTSIDE_CLAIM_WINDOW, code(again));
    }
}
