package io.quorumd.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CanonicalJsonTest {
    private static final ObjectMapper M = new ObjectMapper();

    private static String canon(String json) throws Exception {
        return new String(CanonicalJson.encode(M.readTree(json)), StandardCharsets.UTF_8);
    }

    @Test
    void sortsKeysByUtf16CodeUnitsAndDropsWhitespace() throws Exception {
        // RFC 8785 §3.2.3: U+1F600 (surrogates D83D DE00) sorts before U+FFFF by UTF-16 code unit,
        // although it comes after it by code point.
        String in = "{ \"b\": 1, \"a\": [1, -2, {\"z\": true, \"y\": null}], \"\\u20ac\": 1,"
                + " \"\\ud83d\\ude00\": 2, \"\\uffff\": 3 }";
        assertEquals("{\"a\":[1,-2,{\"y\":null,\"z\":true}],\"b\":1,\"\u20ac\":1,\"\ud83d\ude00\":2,\"\uffff\":3}",
                canon(in));
    }

    @Test
    void escapesStringsAsRfc8785() throws Exception {
        String in = "\"\\u00e9\\n\\t\\r\\b\\f\\\"\\\\\\u0001\\u001f/\\u007f\"";
        assertEquals("\"\u00e9\\n\\t\\r\\b\\f\\\"\\\\\\u0001\\u001f/\u007f\"", canon(in));
    }

    @Test
    void writesIntegersUpToTwoToThe53MinusOneInPlainDecimal() throws Exception {
        assertEquals("[0,0,-1,9007199254740991,-9007199254740991]",
                canon("[0, -0, -1, 9007199254740991, -9007199254740991]"));
    }

    @Test
    void refusesFloatingPointEvenWhenIntegral() {
        assertRefused("floating-point number 1.5 (at /x)", "{\"x\": 1.5}");
        assertRefused("floating-point number 56.0 (at /1/\\u000a)", "{\"1\": {\"\\n\": 56.0}}");
        assertRefused("floating-point number 1000.0 (at /0)", "[1e3]");
        assertRefused("floating-point number 1.0E30 (at top level)", "1E30");
    }

    @Test
    void refusesIntegersOutsidePlusMinusTwoToThe53MinusOne() {
        assertRefused("integer 9007199254740992 outside ±(2^53−1) (at /0)", "[9007199254740992]");
        assertRefused("integer -9007199254740992 outside ±(2^53−1) (at /n)", "{\"n\": -9007199254740992}");
        assertRefused("integer 9007199254740993 outside ±(2^53−1) (at top level)", "9007199254740993");
        assertRefused("integer -9223372036854775808 outside ±(2^53−1) (at /0)", "[-9223372036854775808]");
        assertRefused("integer 18446744073709551616 outside ±(2^53−1) (at /0)", "[18446744073709551616]");
        assertRefused("integer " + "9".repeat(40) + "… (100 characters) outside ±(2^53−1) (at /0)",
                "[" + "9".repeat(100) + "]");
    }

    @Test
    void refusesLoneSurrogatesInStrings() {
        var f = M.getNodeFactory();
        assertRefused("lone surrogate in a string at index 1 (at top level)", f.textNode("a\ud800b"));
        assertRefused("lone surrogate in a string at index 0 (at /0)", f.arrayNode().add("\udc00"));
        assertRefused("lone surrogate in a string at index 2 (at /k/1)",
                f.objectNode().set("k", f.arrayNode().add("ok").add("\ud83d\ude00\ud83d")));
        assertRefused("lone surrogate in a string at index 2 (at /0)", f.arrayNode().add("xy\ude00\ud83d"));
    }

    @Test
    void refusesLoneSurrogatesInKeys() {
        var f = M.getNodeFactory();
        assertRefused("lone surrogate in a key at index 0 (at top level)", f.objectNode().put("\udc00", 1));
        assertRefused("lone surrogate in a key at index 2 (at /outer)",
                f.objectNode().set("outer", f.objectNode().put("ab\ud800", 1)));
    }

    @Test
    void refusesNodesThatAreNotJsonValues() {
        var f = M.getNodeFactory();
        assertRefused("a BINARY node, which is not a JSON value (at /b)",
                f.objectNode().set("b", f.binaryNode(new byte[] {1})));
        assertRefused("a POJO node, which is not a JSON value (at /0)", f.arrayNode().add(f.pojoNode(new Object())));
    }

    @Test
    void pointerInMessageEscapesAndShortensKeys() {
        var f = M.getNodeFactory();
        String longKey = "k".repeat(100);
        assertRefused("floating-point number 0.5 (at /a~1b~0c\\u000a/" + "k".repeat(40) + "…)",
                f.objectNode().set("a/b~c\n", f.objectNode().put(longKey, 0.5)));
    }

    @Test
    void requireCanonicalAcceptsEveryTreeEncodeWrites() throws Exception {
        JsonNode tree = M.readTree("{\"z\":[1,-9007199254740991,\"\\ud83d\\ude00\",null,true,{}],\"\\uffff\":\"x\"}");
        CanonicalJson.requireCanonical(tree);
        assertEquals(CanonicalJson.encodeToString(tree), new String(CanonicalJson.encode(tree), StandardCharsets.UTF_8));
    }

    /** Property: for random trees with random faults, the check and the encoder refuse alike, with one message. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
    void requireCanonicalRefusesExactlyWhatEncodeRefuses(long seed) {
        Random random = new Random(seed);
        for (int round = 0; round < 200; round++) {
            JsonNode tree = randomTree(random, 3);
            String checked = refusal(() -> CanonicalJson.requireCanonical(tree));
            String encoded = refusal(() -> CanonicalJson.encode(tree));
            if (checked == null || encoded == null) {
                assertEquals(checked, encoded, "seed " + seed + " round " + round + ": " + tree);
            } else {
                // Both refuse; they may meet different faults first (the check walks keys unsorted).
                assertTrue(checked.contains(" (at ") && encoded.contains(" (at "), "seed " + seed);
            }
        }
    }

    private static JsonNode randomTree(Random random, int depth) {
        var f = M.getNodeFactory();
        int kind = depth == 0 ? 2 + random.nextInt(5) : random.nextInt(7);
        return switch (kind) {
            case 0 -> {
                var o = f.objectNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    o.set(randomString(random), randomTree(random, depth - 1));
                }
                yield o;
            }
            case 1 -> {
                var a = f.arrayNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    a.add(randomTree(random, depth - 1));
                }
                yield a;
            }
            case 2 -> f.textNode(randomString(random));
            case 3 -> switch (random.nextInt(4)) {
                case 0 -> f.numberNode(random.nextInt());
                case 1 -> f.numberNode(random.nextLong());
                case 2 -> f.numberNode(random.nextLong() % (CanonicalJson.MAX_SAFE_INTEGER + 1));
                default -> f.numberNode(random.nextInt(100) / 4.0);
            };
            case 4 -> f.booleanNode(random.nextBoolean());
            case 5 -> f.nullNode();
            default -> f.textNode("plain");
        };
    }

    private static String randomString(Random random) {
        char[] pool = {'a', 'b', '\u00e9', '\ue000', '\uffff', '\ud83d', '\ude00', '\n', '"'};
        StringBuilder s = new StringBuilder();
        for (int i = random.nextInt(4); i > 0; i--) {
            s.append(pool[random.nextInt(pool.length)]);
        }
        return s.toString();
    }

    private static String refusal(Runnable action) {
        try {
            action.run();
            return null;
        } catch (NotCanonicalException e) {
            return e.getMessage();
        }
    }

    private static void assertRefused(String message, String json) {
        try {
            assertRefused(message, M.readTree(json));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Both the check and the encoder refuse the tree with exactly this message. */
    private static void assertRefused(String message, JsonNode tree) {
        var checked = assertThrows(NotCanonicalException.class, () -> CanonicalJson.requireCanonical(tree));
        assertEquals(message, checked.getMessage());
        var encoded = assertThrows(NotCanonicalException.class, () -> CanonicalJson.encode(tree));
        assertEquals(message, encoded.getMessage());
        var asString = assertThrows(NotCanonicalException.class, () -> CanonicalJson.encodeToString(tree));
        assertEquals(message, asString.getMessage());
    }

    @Test
    void sameTreeInAnyKeyOrderGivesSameBytes() throws Exception {
        assertEquals(canon("{\"x\":{\"b\":2,\"a\":1},\"w\":\"q\"}"), canon("{\"w\":\"q\",\"x\":{\"a\":1,\"b\":2}}"));
    }
}
