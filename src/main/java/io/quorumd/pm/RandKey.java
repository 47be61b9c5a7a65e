package io.quorumd.pm;

import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.Hashes;
import io.quorumd.crypto.NodeKey;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The recipient's commit–reveal secret (DESIGN §14): rand = HMAC-SHA256(pmKey, canonical params), pmKey =
 * HKDF-SHA256(node seed, "quorumd-pm/1"). Derived from the node key, so the same after a restart (upstream draws a
 * random secret per process, and params issued before a restart stop verifying) and never stored. Only the
 * {@link Recipient} holds one; it hands rand out only for params that have expired.
 */
public final class RandKey {
    private final byte[] pmKey;

    private RandKey(byte[] pmKey) {
        if (pmKey.length != 32) {
            throw new IllegalArgumentException("a pm key is 32 bytes");
        }
        this.pmKey = pmKey.clone();
    }

    public static RandKey of(NodeKey key) {
        return new RandKey(key.derivePmKey());
    }

    /** The 32-byte rand of these params. */
    Bytes rand(TicketParams params) {
        return rand(params.randInput());
    }

    /** The rand of params not built yet (the issuer needs it to write the hash into them). */
    Bytes rand(byte[] randInput) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(pmKey, "HmacSHA256"));
            return Bytes.of(mac.doFinal(randInput));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("the JVM has no HMAC-SHA256", e);
        }
    }

    @Override
    public String toString() {
        return "RandKey[secret]";
    }
}
