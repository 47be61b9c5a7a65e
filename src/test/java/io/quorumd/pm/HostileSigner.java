package io.quorumd.pm;

import io.quorumd.crypto.Bytes;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Ed25519 signing with a nonce of the signer's choosing (RFC 8032 §5.1.6 with r picked instead of derived). Every
 * verifier accepts the result, so a hostile member can sign one message many different ways; honest signing is
 * deterministic. Plain affine Edwards arithmetic over BigInteger: slow, and for tests only.
 */
final class HostileSigner {
    private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
    private static final BigInteger L = BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));
    private static final BigInteger D = BigInteger.valueOf(-121665).multiply(BigInteger.valueOf(121666).modInverse(P)).mod(P);
    private static final BigInteger[] BASE = base();

    private final BigInteger a;
    private final byte[] publicKey;

    HostileSigner(byte[] seed) {
        byte[] h = sha512(seed);
        h[0] &= (byte) 248;
        h[31] &= 127;
        h[31] |= 64;
        a = littleEndian(h, 0, 32);
        publicKey = encode(mul(a, BASE));
    }

    Bytes publicKey() {
        return Bytes.of(publicKey);
    }

    /** A valid signature of {@code message} made with nonce {@code r}. */
    Bytes sign(byte[] message, BigInteger r) {
        byte[] rEnc = encode(mul(r.mod(L), BASE));
        BigInteger k = littleEndian(sha512(rEnc, publicKey, message), 0, 64).mod(L);
        BigInteger s = r.add(k.multiply(a)).mod(L);
        byte[] sig = new byte[64];
        System.arraycopy(rEnc, 0, sig, 0, 32);
        byte[] sBytes = toLittleEndian(s);
        System.arraycopy(sBytes, 0, sig, 32, 32);
        return Bytes.of(sig);
    }

    private static BigInteger[] base() {
        BigInteger y = BigInteger.valueOf(4).multiply(BigInteger.valueOf(5).modInverse(P)).mod(P);
        BigInteger u = y.pow(2).subtract(BigInteger.ONE).mod(P);
        BigInteger v = D.multiply(y.pow(2)).add(BigInteger.ONE).mod(P);
        BigInteger x2 = u.multiply(v.modInverse(P)).mod(P);
        BigInteger x = x2.modPow(P.add(BigInteger.valueOf(3)).shiftRight(3), P);
        if (!x.pow(2).mod(P).equals(x2)) {
            x = x.multiply(BigInteger.TWO.modPow(P.subtract(BigInteger.ONE).shiftRight(2), P)).mod(P);
        }
        if (x.testBit(0)) {
            x = P.subtract(x);
        }
        return new BigInteger[] {x, y};
    }

    private static BigInteger[] add(BigInteger[] p1, BigInteger[] p2) {
        BigInteger xy = D.multiply(p1[0]).multiply(p2[0]).multiply(p1[1]).multiply(p2[1]).mod(P);
        BigInteger x = p1[0].multiply(p2[1]).add(p1[1].multiply(p2[0])).multiply(BigInteger.ONE.add(xy).modInverse(P)).mod(P);
        BigInteger y = p1[1].multiply(p2[1]).add(p1[0].multiply(p2[0])).multiply(BigInteger.ONE.subtract(xy).mod(P).modInverse(P)).mod(P);
        return new BigInteger[] {x, y};
    }

    private static BigInteger[] mul(BigInteger k, BigInteger[] point) {
        BigInteger[] acc = {BigInteger.ZERO, BigInteger.ONE};
        BigInteger[] q = point;
        for (int i = 0; i < k.bitLength(); i++) {
            if (k.testBit(i)) {
                acc = add(acc, q);
            }
            q = add(q, q);
        }
        return acc;
    }

    private static byte[] encode(BigInteger[] point) {
        byte[] out = toLittleEndian(point[1]);
        if (point[0].testBit(0)) {
            out[31] |= (byte) 0x80;
        }
        return out;
    }

    private static byte[] toLittleEndian(BigInteger v) {
        byte[] big = v.toByteArray();
        byte[] out = new byte[32];
        for (int i = 0; i < big.length && i < 33; i++) {
            int at = big.length - 1 - i;
            if (i < 32) {
                out[i] = big[at];
            }
        }
        return out;
    }

    private static BigInteger littleEndian(byte[] b, int off, int len) {
        byte[] big = new byte[len];
        for (int i = 0; i < len; i++) {
            big[i] = b[off + len - 1 - i];
        }
        return new BigInteger(1, big);
    }

    private static byte[] sha512(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-512");
            for (byte[] part : parts) {
                md.update(part);
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
