package io.quorumd.crypto;

import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/** Signature verification; stateless and thread-safe. */
public final class Ed25519 {
    public static final int PUBLIC_KEY_BYTES = 32;
    public static final int SIGNATURE_BYTES = 64;

    private Ed25519() {
    }

    public static boolean verify(Bytes publicKey, byte[] message, Bytes signature) {
        if (publicKey.length() != PUBLIC_KEY_BYTES || signature.length() != SIGNATURE_BYTES) {
            return false;
        }
        Ed25519Signer verifier = new Ed25519Signer();
        verifier.init(false, new Ed25519PublicKeyParameters(publicKey.toArray(), 0));
        verifier.update(message, 0, message.length);
        return verifier.verifySignature(signature.toArray());
    }
}
