package io.quorumd.pm;

import io.quorumd.crypto.NodeKey;
import java.math.BigInteger;

/** Tickets of face value 1000 that win about every second draw, for tests outside this package. */
public final class PmTickets {
    private PmTickets() {
    }

    /**
     * A {@code pm.redeem} of a ticket {@code sender} signed to {@code recipient}, under params issued at
     * {@code issuedAt} (expiring 10 min later), that wins (or loses), with the recipient's true rand.
     */
    public static PmOp.Redeem redeem(NodeKey sender, NodeKey recipient, int seed, long issuedAt, boolean wins) {
        RandKey rk = RandKey.of(recipient);
        TicketParams p = new ParamsIssuer(recipient.nodeId(), rk, PmFixtures.HALF)
                .issue(sender.nodeId(), PmFixtures.paramsSeed(seed), issuedAt, BigInteger.valueOf(1_000_000)).get().params();
        long n = PmFixtures.nonceThat(wins, sender, rk, p, 1);
        Ticket t = Ticket.of(p, n);
        return new PmOp.Redeem(new SignedTicket(t, sender.sign(t.signingBytes())), rk.rand(p));
    }
}
