package io.quorumd.pm;

import io.quorumd.crypto.Bytes;

/**
 * A winning ticket held by its recipient: its id (hashed once, when it was drawn), the signed ticket and the seed of
 * its params — never rand, which the recipient recomputes from the seed only once the params have expired
 * ({@link Recipient#revealRand}).
 */
public record Winner(String ticketId, SignedTicket signed, Bytes seed, WinnerState state) {
    public long claimDeadline(PmPolicy policy) {
        return signed.ticket().paramsExpiresAt() + policy.claimWindowMs();
    }

    Winner moveTo(WinnerState to) {
        if (!state.canMoveTo(to)) {
            throw new IllegalStateException("winner " + ticketId().substring(0, 8) + " cannot move from " + state.code()
                    + " to " + to.code());
        }
        return new Winner(ticketId, signed, seed, to);
    }
}
