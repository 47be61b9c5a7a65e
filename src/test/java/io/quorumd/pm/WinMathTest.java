package io.quorumd.pm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.Bytes;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class WinMathTest {
    private static final BigInteger TWO_256 = Uint256.TWO_256;
    private static final BigInteger TEN = BigInteger.TEN;

    @Test
    void evOfTheDefaultTermsIsJustAboveTen() {
        BigInteger w = WinMath.winProb(TEN, BigInteger.valueOf(1000));
        Ev ev = Ev.of(1000, w);
        assertTrue(ev.exceeds(10));
        assertFalse(ev.exceeds(11));
        assertEquals(BigInteger.TEN, ev.floor());
        // the surplus is below ticketEV·faceValue/2^256 = 10·1000/2^256
        assertTrue(ev.scaled().subtract(TEN.shiftLeft(256)).compareTo(BigInteger.valueOf(10_000)) < 0);
    }

    @Test
    void faceValueOneHitsTheCap() {
        assertEquals(Uint256.MAX, WinMath.winProb(TEN, BigInteger.ONE));
        Ev ev = Ev.of(1, Uint256.MAX);
        assertTrue(ev.exceeds(0));
        assertTrue(ev.compareTo(Ev.units(1)) < 0, "EV is just below faceValue 1");
        assertEquals(BigInteger.ZERO, ev.floor());
    }

    @Test
    void faceValueEqualToTicketEvHitsTheCapAndEvStaysBelowFaceValue() {
        BigInteger w = WinMath.winProb(TEN, TEN);
        assertEquals(Uint256.MAX, w);
        assertTrue(Ev.of(10, w).exceeds(9));
        assertTrue(Ev.of(10, w).compareTo(Ev.units(10)) < 0, "EV is just below faceValue 10");
    }

    @Test
    void faceValueNearTwoTo256() {
        // ⌈2^256 / (2^256 − 1)⌉ = 2: the rounding doubles the EV there, which no ticket's faceValue can reach
        assertEquals(BigInteger.valueOf(20), WinMath.winProb(TEN, Uint256.MAX));
        assertEquals(TEN, WinMath.winProb(TEN, TWO_256));
        assertEquals(TEN, WinMath.winProb(TEN, TWO_256.add(BigInteger.ONE)));
        // ⌈2^256 / 2^255⌉ = 2 exactly, ⌈2^256 / (2^255 + 1)⌉ = 2
        assertEquals(BigInteger.valueOf(20), WinMath.winProb(TEN, TWO_256.shiftRight(1)));
        assertEquals(BigInteger.valueOf(20), WinMath.winProb(TEN, TWO_256.shiftRight(1).add(BigInteger.ONE)));
    }

    @Test
    void largestTicketFaceValueKeepsEvExact() {
        BigInteger f = BigInteger.valueOf((1L << 53) - 1);
        BigInteger w = WinMath.winProb(TEN, f);
        Ev ev = new Ev(f.multiply(w));
        assertTrue(ev.compareTo(Ev.units(10)) >= 0, "never below ticketEV");
        assertTrue(ev.compareTo(Ev.units(11)) < 0);
        assertEquals(TEN, ev.floor());
    }

    @Test
    void capIsTwoTo256MinusOne() {
        BigInteger w = WinMath.winProb(BigInteger.valueOf(1_000_000), BigInteger.valueOf(3));
        assertEquals(Uint256.MAX, w);
        assertEquals(64, Uint256.hex(w).length());
        assertEquals("f".repeat(64), Uint256.hex(w));
    }

    @Test
    void zeroTicketEvGivesZeroWinProbAndBadInputsAreRefused() {
        assertEquals(BigInteger.ZERO, WinMath.winProb(BigInteger.ZERO, BigInteger.valueOf(1000)));
        assertThrows(IllegalArgumentException.class, () -> WinMath.winProb(TEN, BigInteger.ZERO));
        assertThrows(IllegalArgumentException.class, () -> WinMath.winProb(BigInteger.ONE.negate(), TEN));
    }

    @Test
    void aDrawEqualToWinProbLoses() {
        Bytes sig = Bytes.of(new byte[64]);
        Bytes rand = Bytes.of(new byte[32]);
        BigInteger draw = WinMath.draw(sig, rand);
        assertFalse(WinMath.wins(sig, rand, draw));
        assertTrue(WinMath.wins(sig, rand, draw.add(BigInteger.ONE)));
        assertFalse(WinMath.wins(sig, rand, BigInteger.ZERO));
    }

    @Test
    void evSumsAreExactWhereFlooringEachTicketWouldLoseUnits() {
        BigInteger w = WinMath.winProb(TEN, BigInteger.valueOf(1000));
        Ev one = Ev.of(1000, w);
        Ev sum = Ev.ZERO;
        for (int i = 0; i < 10_000; i++) {
            sum = sum.plus(one);
        }
        assertEquals(one.times(10_000), sum);
        assertEquals(BigInteger.valueOf(1000).multiply(w).multiply(BigInteger.valueOf(10_000)).shiftRight(256), sum.floor());
        assertEquals(BigInteger.valueOf(100_000), sum.floor());
    }

    @Test
    void cappedTicketsSumWithoutLosingAUnitEach() {
        Ev one = Ev.of(10, WinMath.winProb(TEN, TEN));
        assertEquals(BigInteger.valueOf(9), one.floor());
        assertEquals(BigInteger.valueOf(99_999), one.times(10_000).floor(), "not 10,000 × 9");
    }

    @Test
    void uint256HexIsStrict() {
        assertThrows(IllegalArgumentException.class, () -> Uint256.parseHex("0".repeat(63)));
        assertThrows(IllegalArgumentException.class, () -> Uint256.parseHex("A".repeat(64)));
        assertThrows(IllegalArgumentException.class, () -> Uint256.hex(TWO_256));
        assertThrows(IllegalArgumentException.class, () -> Uint256.hex(BigInteger.ONE.negate()));
        assertEquals(BigInteger.ONE, Uint256.parseHex("0".repeat(63) + "1"));
    }
}
