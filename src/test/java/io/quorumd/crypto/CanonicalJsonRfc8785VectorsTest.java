package io.quorumd.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.quorumd.wire.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The test vectors of RFC 8785's reference implementation (github.com/cyberphone/json-canonicalization,
 * {@code testdata/input} and {@code testdata/output}), committed under {@code src/test/resources/jcs/}:
 * quorumd's bytes must equal the reference output bytes.
 *
 * <p>Only vectors whose numbers are integers are used, since quorumd refuses floating point:
 * {@code arrays}, {@code french}, {@code unicode} and {@code weird} as published; {@code structures} with
 * its one number {@code 56.0} written as {@code 56} in the input (the reference output already reads
 * {@code 56}). {@code values} is left out: it exists to test IEEE-754 number serialization
 * ({@code 333333333.33333329}, {@code 1E30}, {@code 4.50}, {@code 2e-3}, {@code 1e-27}), which quorumd
 * does not do.
 */
class CanonicalJsonRfc8785VectorsTest {
    private static byte[] resource(String path) throws IOException {
        try (InputStream in = CanonicalJsonRfc8785VectorsTest.class.getResourceAsStream("/jcs/" + path)) {
            assertNotNull(in, "missing test resource jcs/" + path);
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"arrays", "french", "structures", "unicode", "weird"})
    void canonicalBytesEqualTheReferenceOutput(String vector) throws Exception {
        JsonNode input = Json.MAPPER.readTree(resource("input/" + vector + ".json"));
        byte[] expected = resource("output/" + vector + ".json");

        CanonicalJson.requireCanonical(input);
        byte[] actual = CanonicalJson.encode(input);
        assertEquals(new String(expected, StandardCharsets.UTF_8), new String(actual, StandardCharsets.UTF_8));
        assertArrayEquals(expected, actual);
    }

    /** weird.json is the vector that tells UTF-16 code-unit order (RFC 8785) from code-point order. */
    @Test
    void weirdVectorKeysAreInCodeUnitOrderWhichIsNotCodePointOrder() throws Exception {
        JsonNode output = Json.MAPPER.readTree(resource("output/weird.json"));
        List<String> keys = new ArrayList<>();
        output.fieldNames().forEachRemaining(keys::add);

        List<String> byCodeUnit = new ArrayList<>(keys);
        byCodeUnit.sort(Comparator.naturalOrder());
        assertEquals(byCodeUnit, keys);

        List<String> byCodePoint = new ArrayList<>(keys);
        byCodePoint.sort((a, b) -> {
            int[] x = a.codePoints().toArray();
            int[] y = b.codePoints().toArray();
            return java.util.Arrays.compare(x, y);
        });
        assertNotEquals(byCodePoint, keys);
    }
}
