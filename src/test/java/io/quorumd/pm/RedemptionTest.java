package io.quorumd.pm;

import static io.quorumd.pm.PmFixtures.HALF;
import static io.quorumd.pm.PmFixtures.T0;
import static io.quorumd.pm.PmFixtures.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Redemption executed by every node at the same ordered (seq, ts): the deposit-exhaustion vector, and a hostile
 * recipient's attempts, each refused alike on all four replicas with equal state digests.
 */
class RedemptionTest {
    private final NodeKey s = key(1);
    private final NodeKey a = key(2);
    private final NodeKey b = key(3);
    private final NodeKey c = key(4);
    private final PmMembers members = PmMembers.of(PmFixtures.roster(s, a, b, c));
    private final List<Accounts> replicas = List.of(new Accounts(HALF), new Accounts(HALF), new Accounts(HALF),
            new Accounts(HALF));
    private long seq;

    /** Params of {@code recipient} for s, issued at T0. */
    private TicketParams params(NodeKey recipient, int seed) {
        return new ParamsIssuer(recipient.nodeId(), RandKey.of(recipient), HALF)
                .issue(s.nodeId(), PmFixtures.paramsSeed(seed), T0, BigInteger.valueOf(1_000_000)).get().params();
    }

    /** A redeem of s's ticket to {@code recipient} that wins (or loses), with its true rand. */
    private PmOp.Redeem ticket(NodeKey recipient, int seed, boolean wins) {
        TicketParams p = params(recipient, seed);
        long n = PmFixtures.nonceThat(wins, s, RandKey.of(recipient), p, 1);
        Ticket t = Ticket.of(p, n);
        return new PmOp.Redeem(new SignedTicket(t, s.sign(t.signingBytes())), RandKey.of(recipient).rand(p));
    }

    /** Executes one op on every replica; returns the results, asserting they and the digests agree. */
    private Accounts.Result everywhere(long ts, NodeKey signer, PmOp op) {
        seq++;
        List<Accounts.Result> results = new ArrayList<>();
        for (Accounts r : replicas) {
            results.add(r.execute(seq, ts, signer.nodeId(), op, members));
        }
        assertEquals(1, Set.copyOf(results).size(), "every node computes the same result");
        Set<String> digests = replicas.stream().map(Accounts::digest).collect(Collectors.toSet());
        assertEquals(1, digests.size(), "every node holds the same state");
        return results.get(0);
    }

    private long claimTs() {
        return params(a, 1).expiresAt() + 60_000;
    }

    private static PmCode code(Accounts.Result r) {
        return r.refusal().orElseThrow().code();
    }

    private static void assertPaid(Accounts.Result r, long fromDeposit, long fromReserve, long shortfall) {
        Accounts.Payment p = r.payment().orElseThrow();
        assertEquals(BigInteger.valueOf(fromDeposit), p.fromDeposit(), "from deposit");
        assertEquals(BigInteger.valueOf(fromReserve), p.fromReserve(), "from reserve");
        assertEquals(BigInteger.valueOf(shortfall), p.shortfall(), "shortfall");
    }

    @Test
    void depositExhaustionVector() {
        everywhere(T0, s, new PmOp.Fund(1500, 900));
        long ts = claimTs();
        assertPaid(everywhere(ts, a, ticket(a, 1, true)), 1000, 0, 0);
        assertPaid(everywhere(ts, a, ticket(a, 2, true)), 500, 300, 200);
        assertPaid(everywhere(ts, b, ticket(b, 3, true)), 0, 300, 700);
        Accounts state = replicas.get(0);
        assertEquals(BigInteger.ZERO, state.account(s.nodeId()).deposit());
        assertEquals(BigInteger.valueOf(300), state.account(s.nodeId()).reserve());
        assertEquals(BigInteger.valueOf(1800), state.account(a.nodeId()).earned());
        assertEquals(BigInteger.valueOf(200), state.account(a.nodeId()).shortfall());
        assertEquals(BigInteger.valueOf(300), state.account(b.nodeId()).earned());
        assertEquals(BigInteger.valueOf(700), state.account(b.nodeId()).shortfall());
        assertEquals(BigInteger.valueOf(2100), state.account(s.nodeId()).paid());
        // C's share is untouched: ⌊(300 + 600) / 3⌋ − 0
        assertEquals(BigInteger.valueOf(300), Accounts.reserveAlloc(state.account(s.nodeId()), c.nodeId(),
                state.period(ts), members));
        assertEquals(BigInteger.ZERO, Accounts.reserveAlloc(state.account(s.nodeId()), a.nodeId(), state.period(ts), members));
    }

    @Test
    void aWinnerRedeemedTwiceIsUsedTicketOnEveryNode() {
        everywhere(T0, s, new PmOp.Fund(5000, 3000));
        PmOp.Redeem winner = ticket(a, 1, true);
        assertTrue(everywhere(claimTs(), a, winner).ok());
        assertEquals(PmCode.USED_TICKET, code(everywhere(claimTs() + 1, a, winner)));
        Ticket t = winner.signed().ticket();
        HostileSigner hostile = new HostileSigner(PmFixtures.seedOf(1));
        PmOp.Redeem resigned = null;
        for (long r = 1; resigned == null || !resigned.signed().wins(winner.rand()); r++) {
            resigned = new PmOp.Redeem(new SignedTicket(t, hostile.sign(t.signingBytes(), BigInteger.valueOf(r))),
                    winner.rand());
        }
        assertTrue(resigned.signed().verifies(s.publicKey()));
        assertEquals(PmCode.USED_TICKET, code(everywhere(claimTs() + 2, a, resigned)),
                "another winning signature over the same ticket is the same ticket id");
        assertEquals(BigInteger.valueOf(1000), replicas.get(0).account(a.nodeId()).earned(), "paid once");
    }

    @Test
    void aWinnerRedeemedBeforeItsParamsExpireIsOutsideTheClaimWindow() {
        everywhere(T0, s, new PmOp.Fund(5000, 3000));
        PmOp.Redeem winner = ticket(a, 1, true);
        long expiresAt = winner.signed().ticket().paramsExpiresAt();
        assertEquals(PmCode.OUTSIDE_CLAIM_WINDOW, code(everywhere(T0 + 1, a, winner)));
        assertEquals(PmCode.OUTSIDE_CLAIM_WINDOW, code(everywhere(expiresAt, a, winner)));
        assertTrue(everywhere(expiresAt + HALF.claimWindowMs(), a, winner).ok(), "the last ms of the window");
        PmOp.Redeem late = ticket(a, 2, true);
        assertEquals(PmCode.OUTSIDE_CLAIM_WINDOW, code(everywhere(expiresAt + HALF.claimWindowMs() + 1, a, late)));
    }

    @Test
    void aLosingTicketClaimedIsNotWinning() {
        everywhere(T0, s, new PmOp.Fund(5000, 3000));
        assertEquals(PmCode.NOT_WINNING, code(everywhere(claimTs(), a, ticket(a, 1, false))));
        assertEquals(BigInteger.valueOf(5000), replicas.get(0).account(s.nodeId()).deposit());
    }

    @Test
    void onlyTheRecipientRedeemsWithTheTrueRandAndTheSendersSignature() {
        everywhere(T0, s, new PmOp.Fund(5000, 3000));
        PmOp.Redeem winner = ticket(a, 1, true);
        assertEquals(PmCode.NOT_RECIPIENT, code(everywhere(claimTs(), b, winner)));
        assertEquals(PmCode.BAD_RAND, code(everywhere(claimTs(), a,
                new PmOp.Redeem(winner.signed(), Bytes.of(new byte[32])))));
        Ticket t = winner.signed().ticket();
        assertEquals(PmCode.BAD_TICKET_SIG, code(everywhere(claimTs(), a,
                new PmOp.Redeem(new SignedTicket(t, c.sign(t.signingBytes())), winner.rand()))));
        assertTrue(everywhere(claimTs(), a, winner).ok(), "none of the refusals used the ticket up");
    }

    @Test
    void aWinnerRedeemedBeforeWithdrawAtIsPaid() {
        everywhere(T0, s, new PmOp.Fund(5000, 3000));
        everywhere(T0, s, new PmOp.Unlock());
        assertEquals(T0 + HALF.unlockPeriodMs(), replicas.get(0).account(s.nodeId()).withdrawAt());
        assertTrue(everywhere(claimTs(), a, ticket(a, 1, true)).ok());
    }

    @Test
    void aWinnerUnderParamsIssuedLateInAnUnlockIsSenderUnlocked() {
        everywhere(T0, s, new PmOp.Fund(5000, 3000));
        everywhere(T0, s, new PmOp.Unlock());
        long withdrawAt = T0 + HALF.unlockPeriodMs();
        // a careless recipient issued params whose claim window reaches past withdrawAt, and took tickets under them
        TicketParams p = new ParamsIssuer(a.nodeId(), RandKey.of(a), HALF)
                .issue(s.nodeId(), PmFixtures.paramsSeed(9), withdrawAt - 1000, BigInteger.valueOf(1_000_000)).get().params();
        long n = PmFixtures.nonceThat(true, s, RandKey.of(a), p, 1);
        Ticket t = Ticket.of(p, n);
        PmOp.Redeem late = new PmOp.Redeem(new SignedTicket(t, s.sign(t.signingBytes())), RandKey.of(a).rand(p));
        assertEquals(PmCode.SENDER_UNLOCKED, code(everywhere(p.expiresAt() + 1, a, late)));
        Accounts.Result out = everywhere(p.expiresAt() + 2, s, new PmOp.Withdraw());
        assertEquals(BigInteger.valueOf(8000), out.withdrawn());
    }

    @Test
    void aSenderWithNothingLeftIsNoFunds() {
        assertEquals(PmCode.NO_FUNDS, code(everywhere(claimTs(), a, ticket(a, 1, true))));
    }

    @Test
    void theRecipientsOwnNodeBuildsTheRedeemOnlyAfterExpiry() {
        everywhere(T0, s, new PmOp.Fund(5000, 3000));
        TicketParams p = params(a, 7);
        Recipient r = new Recipient(a.nodeId(), RandKey.of(a), HALF, members, replicas.get(0).floats(members));
        long won = PmFixtures.nonceThat(true, s, RandKey.of(a), p, 1);
        r.receive(PmFixtures.batch(s, p, won), T0 + 10);
        String id = r.winners().get(0).ticketId();
        assertTrue(r.claim(id, T0 + 20).isEmpty());
        PmOp.Redeem op = r.claim(id, p.expiresAt() + 1).orElseThrow();
        Accounts.Result result = everywhere(p.expiresAt() + 1, a, op);
        assertTrue(result.ok());
        r.settled(id, result.ok());
        assertEquals(WinnerState.SETTLED, r.winners().get(0).state());
        NodeId payee = result.payment().orElseThrow().recipient();
        assertEquals(a.nodeId(), payee);
    }
}
