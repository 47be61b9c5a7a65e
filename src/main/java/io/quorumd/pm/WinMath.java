package io.quorumd.pm;

import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.Hashes;
import java.math.BigInteger;

/**
 * The lottery of DESIGN §14 in integers, never floating point. A ticket wins iff uint256(SHA-256(sig ‖ rand))
 * < winProb, which happens with probability winProb/2^256; its EV is therefore faceValue·winProb/2^256 ({@link Ev}),
 * over 2^256 in both places (upstream divides by 2^256 − 1 while drawing over 2^256).
 */
public final class WinMath {
    private WinMath() {
    }

    /**
     * winProb = ticketEV·⌈2^256 / faceValue⌉, capped at 2^256 − 1. Rounding the quotient up puts the EV at or just
     * above ticketEV, in the recipient's favour: EV − ticketEV < ticketEV·faceValue/2^256, nothing for any faceValue
     * a ticket can carry (≤ 2^53 − 1), up to ticketEV itself only for faceValues near 2^256. When faceValue ≤
     * ticketEV the cap applies: the ticket all but surely wins and its EV is just below faceValue.
     */
    public static BigInteger winProb(BigInteger ticketEV, BigInteger faceValue) {
        if (ticketEV.signum() < 0 || faceValue.signum() <= 0) {
            throw new IllegalArgumentException("ticketEV must be ≥ 0 and faceValue > 0");
        }
        BigInteger ceil = Uint256.TWO_256.add(faceValue).subtract(BigInteger.ONE).divide(faceValue);
        return ticketEV.multiply(ceil).min(Uint256.MAX);
    }

    /** The draw of a signed ticket: SHA-256(sig ‖ rand) as an unsigned 256-bit integer. */
    public static BigInteger draw(Bytes sig, Bytes rand) {
        byte[] s = sig.toArray();
        byte[] r = rand.toArray();
        byte[] both = new byte[s.length + r.length];
        System.arraycopy(s, 0, both, 0, s.length);
        System.arraycopy(r, 0, both, s.length, r.length);
        return Uint256.of(Hashes.sha256(both));
    }

    public static boolean wins(Bytes sig, Bytes rand, BigInteger winProb) {
        return draw(sig, rand).compareTo(winProb) < 0;
    }
}
