package io.quorumd.pm;

import io.quorumd.crypto.Bytes;
import java.math.BigInteger;
import java.util.regex.Pattern;

/** Unsigned 256-bit integers as DESIGN §14 carries them: 64 lowercase hex characters, big-endian. */
public final class Uint256 {
    public static final BigInteger TWO_256 = BigInteger.ONE.shiftLeft(256);
    public static final BigInteger MAX = TWO_256.subtract(BigInteger.ONE);
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    private Uint256() {
    }

    public static boolean fits(BigInteger v) {
        return v.signum() >= 0 && v.bitLength() <= 256;
    }

    public static String hex(BigInteger v) {
        if (!fits(v)) {
            throw new IllegalArgumentException("not an unsigned 256-bit value: " + v);
        }
        String h = v.toString(16);
        return "0".repeat(64 - h.length()) + h;
    }

    /** Parses exactly 64 lowercase hex characters; throws IllegalArgumentException otherwise. */
    public static BigInteger parseHex(String text) {
        if (text == null || !HEX64.matcher(text).matches()) {
            throw new IllegalArgumentException("a 256-bit value is 64 lowercase hex characters");
        }
        return new BigInteger(text, 16);
    }

    /** 32 bytes read as a big-endian unsigned integer. */
    public static BigInteger of(Bytes bytes) {
        if (bytes.length() != 32) {
            throw new IllegalArgumentException("a 256-bit value is 32 bytes, got " + bytes.length());
        }
        return new BigInteger(1, bytes.toArray());
    }
}
