package io.quorumd.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;

/** What a key file written by quorumd must look like: the PKCS#8 v1 PEM that {@code openssl genpkey} writes. */
public final class KeyFileShape {
    /** SEQUENCE(46) { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING(34) { OCTET STRING(32) } }. */
    public static final String V1_PREFIX_HEX = "302e020100300506032b657004220420";

    private KeyFileShape() {
    }

    /** The DER inside a PEM text, after checking the PEM framing line by line. */
    public static byte[] der(String pem) {
        String[] lines = pem.split("\n", -1);
        assertEquals("-----BEGIN PRIVATE KEY-----", lines[0], pem);
        assertEquals("-----END PRIVATE KEY-----", lines[lines.length - 2], pem);
        assertEquals("", lines[lines.length - 1], "PEM ends with a newline: " + pem);
        StringBuilder base64 = new StringBuilder();
        for (int i = 1; i < lines.length - 2; i++) {
            assertTrue(lines[i].length() <= 64, "PEM line longer than 64 characters: " + lines[i]);
            base64.append(lines[i]);
        }
        return Base64.getDecoder().decode(base64.toString());
    }

    /** Asserts the file is a 48-byte PKCS#8 v1 Ed25519 key and returns its DER. */
    public static byte[] assertPkcs8V1(Path file) throws IOException {
        byte[] der = der(Files.readString(file, StandardCharsets.US_ASCII));
        assertEquals(48, der.length, "DER length of " + file);
        assertEquals(V1_PREFIX_HEX, HexFormat.of().formatHex(der, 0, 16), "PKCS#8 v1 prefix of " + file);
        return der;
    }
}
