package io.quorumd.crypto;

import java.util.concurrent.atomic.LongAdder;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/** Signature verification; thread-safe. Counts verifications process-wide, for benchmarks. */
public final class Ed25519 {
    public static final int PUBLIC_KEY_BYTES = 32;
    public static final int SIGNATURE_BYTES = 64;
    private static final LongAdder VERIFICATIONS = new LongAdder();

    private Ed25519() {
    }

    /** Whether {@code publicKey} is 32 bytes that decode to a point of the curve (a key anything can verify against). */
    public static boolean isPublicKey(Bytes publicKey) {
        if (publicKey.length() != PUBLIC_KEY_BYTES) {
            return false;
        }
        try {
            new Ed25519PublicKeyParameters(publicKey.toArray(), 0);
            return true;
        } catch (IllegalArgumentException notAPoint) {
            return false;
        }
    }

    /** Signature verifications this process made so far (what {@code bench checkpoint} divides by the raw rate). */
    public static long verifications() {
        return VERIFICATIONS.sum();
    }

    public static boolean verify(Bytes publicKey, byte[] message, Bytes signature) {
        VERIFICATIONS.increment();
        if (publicKey.length() != PUBLIC_KEY_BYTES || signature.length() != SIGNATURE_BYTES) {
            return false;
        }
        Ed25519PublicKeyParameters key;
        try {
            key = new Ed25519PublicKeyParameters(publicKey.toArray(), 0);
        } catch (IllegalArgumentException notAPoint) {
            return false; // 32 bytes that are no point of the curve: nothing verifies against them
        }
        Ed25519Signer verifier = new Ed25519Signer();
        verifier.init(false, key);
        verifier.update(message, 0, message.length);
        return verifier.verifySignature(signature.toArray());
    }
}
