package io.quorumd.crypto;

import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * An immutable byte string with value equality. Records compare arrays by reference, so every binary
 * field of a record (keys, signatures, hashes) is held as {@code Bytes}.
 */
public final class Bytes {
    private static final HexFormat HEX = HexFormat.of();
    private final byte[] value;

    private Bytes(byte[] value) {
        this.value = value;
    }

    public static Bytes of(byte[] value) {
        return new Bytes(value.clone());
    }

    /** Decodes standard base64 with padding (RFC 4648 §4); throws IllegalArgumentException otherwise. */
    public static Bytes fromBase64(String base64) {
        byte[] decoded = Base64.getDecoder().decode(base64);
        if (!Base64.getEncoder().encodeToString(decoded).equals(base64)) {
            throw new IllegalArgumentException("not canonical base64 with padding");
        }
        return new Bytes(decoded);
    }

    public byte[] toArray() {
        return value.clone();
    }

    public int length() {
        return value.length;
    }

    public String hex() {
        return HEX.formatHex(value);
    }

    public String base64() {
        return Base64.getEncoder().encodeToString(value);
    }

    /** Copy of the first {@code n} bytes. */
    public Bytes prefix(int n) {
        return new Bytes(Arrays.copyOf(value, n));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bytes other && Arrays.equals(value, other.value);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return hex();
    }
}
