package io.quorumd.pm;

import static io.quorumd.pm.PmFixtures.HALF;
import static io.quorumd.pm.PmFixtures.T0;
import static io.quorumd.pm.PmFixtures.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.NodeKey;
import io.quorumd.wire.DecodeException;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/**
 * A recipient never takes more from a sender's reserve than the reserve holds, whatever the roster did during the
 * reserve period: the pool (members − 1) can shrink between two claims of one period, and the allocation formula
 * ⌊(reserve + claimed this period) / pool⌋ − claimed by it then exceeds what is left.
 */
class ReserveBoundsTest {
    private final NodeKey s = key(1);
    private final NodeKey a = key(2);
    private final NodeKey b = key(3);
    private final NodeKey c = key(4);
    private final PmMembers four = PmMembers.of(PmFixtures.roster(s, a, b, c));
    private final PmMembers two = PmMembers.of(PmFixtures.roster(s, a));
    private final Accounts accounts = new Accounts(HALF);
    private long seq;

    private PmOp.Redeem winner(NodeKey recipient, int seed) {
        TicketParams p = new ParamsIssuer(recipient.nodeId(), RandKey.of(recipient), HALF)
                .issue(s.nodeId(), PmFixtures.paramsSeed(seed), T0, BigInteger.valueOf(1_000_000)).get().params();
        long n = PmFixtures.nonceThat(true, s, RandKey.of(recipient), p, 1);
        Ticket t = Ticket.of(p, n);
        return new PmOp.Redeem(new SignedTicket(t, s.sign(t.signingBytes())), RandKey.of(recipient).rand(p));
    }

    private Accounts.Result run(long ts, NodeKey signer, PmOp op, PmMembers members) {
        return accounts.execute(++seq, ts, signer.nodeId(), op, members);
    }

    @Test
    void aPoolThatShrinksWithinThePeriodNeverPaysMoreThanTheReserveHolds() throws DecodeException {
        assertTrue(run(T0, s, new PmOp.Fund(0, 900), four).ok());
        long ts = winner(a, 1).signed().ticket().paramsExpiresAt() + 60_000;
        assertEquals(BigInteger.valueOf(300), run(ts, a, winner(a, 1), four).payment().orElseThrow().fromReserve());
        assertEquals(BigInteger.valueOf(300), run(ts, b, winner(b, 3), four).payment().orElseThrow().fromReserve());
        // b and c leave the roster in the same period: a's formula share is ⌊(300 + 600) / 1⌋ − 300 = 600 > 300 left
        Accounts.Payment p = run(ts + 1, a, winner(a, 2), two).payment().orElseThrow();
        assertEquals(BigInteger.valueOf(300), p.fromReserve(), "only what the reserve still holds");
        assertEquals(BigInteger.valueOf(700), p.shortfall());
        assertEquals(BigInteger.ZERO, accounts.account(s.nodeId()).reserve());
        assertEquals(BigInteger.valueOf(900), accounts.account(s.nodeId()).paid());
        assertEquals(BigInteger.ZERO, Accounts.reserveAlloc(accounts.account(s.nodeId()), a.nodeId(), accounts.period(ts), two));
        assertEquals(BigInteger.ZERO, accounts.maxFloat(s.nodeId(), a.nodeId(), BigInteger.ZERO, ts, two));
        assertEquals(accounts.digest(), Accounts.fromJson(accounts.toJson(), HALF).digest(), "the state reads back");
    }
    @Test
    void aRecipientThatRotatesItsKeyKeepsItsClaimsOfThePeriod() throws DecodeException {
        NodeKey a2 = key(5);
        PmMembers rotated = PmMembers.of(PmFixtures.roster(s, a2, b, c));
        assertTrue(run(T0, s, new PmOp.Fund(0, 900), four).ok());
        long ts = winner(a, 1).signed().ticket().paramsExpiresAt() + 60_000;
        assertEquals(BigInteger.valueOf(300), run(ts, a, winner(a, 1), four).payment().orElseThrow().fromReserve());
        accounts.moveAccount(a.nodeId(), a2.nodeId());
        // the same member under its new id: its share of this period is spent
        Accounts.Payment again = run(ts + 1, a2, winner(a2, 2), rotated).payment().orElseThrow();
        assertEquals(BigInteger.ZERO, again.fromReserve(), "a new key is no new share of the reserve");
        assertEquals(BigInteger.valueOf(300), run(ts + 2, b, winner(b, 3), rotated).payment().orElseThrow().fromReserve());
        assertEquals(BigInteger.valueOf(300), run(ts + 3, c, winner(c, 4), rotated).payment().orElseThrow().fromReserve(),
                "the others' shares are intact");
        assertEquals(BigInteger.valueOf(300), accounts.account(s.nodeId()).claimedBy(accounts.period(ts), a2.nodeId()));
        assertEquals(accounts.digest(), Accounts.fromJson(accounts.toJson(), HALF).digest(), "the state reads back");
    }
}
