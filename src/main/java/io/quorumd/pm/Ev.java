package io.quorumd.pm;

import java.math.BigInteger;

/**
 * An expected value held exactly: {@code scaled} / 2^256 minor units. A ticket's EV is faceValue·winProb/2^256
 * (DESIGN §14), so with the denominator fixed at 2^256 every EV, every sum of EVs and every cap comparison is
 * integer arithmetic on the numerators: nothing is rounded until {@link #floor()} shows a total. (Flooring each
 * ticket instead loses up to one minor unit per ticket: at faceValue = ticketEV = 10 winProb is capped at
 * 2^256 − 1, each EV is 10 − 10/2^256, and 10,000 floored tickets would show 90,000 instead of 99,999.)
 */
public record Ev(BigInteger scaled) implements Comparable<Ev> {
    public static final Ev ZERO = new Ev(BigInteger.ZERO);

    public Ev {
        if (scaled.signum() < 0) {
            throw new IllegalArgumentException("an EV is never negative");
        }
    }

    /** The EV of one ticket: faceValue·winProb / 2^256. */
    public static Ev of(long faceValue, BigInteger winProb) {
        return new Ev(BigInteger.valueOf(faceValue).multiply(winProb));
    }

    /** A whole number of minor units. */
    public static Ev units(long units) {
        return new Ev(BigInteger.valueOf(units).shiftLeft(256));
    }

    public Ev plus(Ev other) {
        return new Ev(scaled.add(other.scaled));
    }

    public Ev times(long n) {
        return new Ev(scaled.multiply(BigInteger.valueOf(n)));
    }

    /** ⌊EV⌋ in minor units, for display. */
    public BigInteger floor() {
        return scaled.shiftRight(256);
    }

    /** Whether this EV is more than {@code units} minor units, compared exactly. */
    public boolean exceeds(long units) {
        return compareTo(units(units)) > 0;
    }

    @Override
    public int compareTo(Ev o) {
        return scaled.compareTo(o.scaled);
    }

    @Override
    public String toString() {
        BigInteger rest = scaled.subtract(floor().shiftLeft(256));
        return floor() + (rest.signum() == 0 ? "" : "+" + rest + "/2^256");
    }
}
