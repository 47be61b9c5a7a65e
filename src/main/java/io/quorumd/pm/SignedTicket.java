package io.quorumd.pm;

import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.Ed25519;

/** A ticket and its sender's signature over {@link Ticket#signingBytes()}. */
public record SignedTicket(Ticket ticket, Bytes sig) {
    public SignedTicket {
        if (sig.length() != Ed25519.SIGNATURE_BYTES) {
            throw new IllegalArgumentException("an Ed25519 signature is 64 bytes");
        }
    }

    public boolean verifies(Bytes senderKey) {
        return Ed25519.verify(senderKey, ticket.signingBytes(), sig);
    }

    /** Whether this ticket wins with {@code rand}; meaningful only once rand hashes to the ticket's recipientRandHash. */
    public boolean wins(Bytes rand) {
        return WinMath.wins(sig, rand, ticket.winProb());
    }
}
