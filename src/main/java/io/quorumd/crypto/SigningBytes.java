package io.quorumd.crypto;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;

/**
 * The bytes an Ed25519 signature covers: a domain line naming what is signed ({@code "quorumd/1\n"} for
 * envelopes, {@code "quorumd-ledger/1\n"} for ledger entries…), then the canonical JSON of the signed
 * object. The domain keeps a signature made for one purpose from being valid for another.
 */
public final class SigningBytes {
    private SigningBytes() {
    }

    public static byte[] of(String domain, JsonNode signed) {
        byte[] prefix = domain.getBytes(StandardCharsets.UTF_8);
        byte[] json = CanonicalJson.encode(signed);
        byte[] out = new byte[prefix.length + json.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(json, 0, out, prefix.length, json.length);
        return out;
    }
}
