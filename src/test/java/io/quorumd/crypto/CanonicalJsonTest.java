package io.quorumd.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CanonicalJsonTest {
    private static final ObjectMapper M = new ObjectMapper();

    private static String canon(String json) throws Exception {
        return new String(CanonicalJson.encode(M.readTree(json)), StandardCharsets.UTF_8);
    }

    @Test
    void sortsKeysByCodePointAndDropsWhitespace() throws Exception {
        // U+FFFF sorts before U+1F600 by code point, after it by UTF-16 code unit.
        String in = "{ \"b\": 1, \"a\": [1, -2, {\"z\": true, \"y\": null}], \"\\u20ac\": 1,"
                + " \"\\ud83d\\ude00\": 2, \"\\uffff\": 3 }";
        assertEquals("{\"a\":[1,-2,{\"y\":null,\"z\":true}],\"b\":1,\"\u20ac\":1,\"\uffff\":3,\"\ud83d\ude00\":2}",
                canon(in));
    }

    @Test
    void escapesStringsAsRfc8785() throws Exception {
        String in = "\"\\u00e9\\n\\t\\r\\b\\f\\\"\\\\\\u0001\\u001f/\\u007f\"";
        assertEquals("\"\u00e9\\n\\t\\r\\b\\f\\\"\\\\\\u0001\\u001f/\u007f\"", canon(in));
    }

    @Test
    void writesIntegersWithoutExponentOrSign() throws Exception {
        assertEquals("[0,-1,9223372036854775807,-9223372036854775808]",
                canon("[0, -1, 9223372036854775807, -9223372036854775808]"));
    }

    @Test
    void refusesFloatingPoint() {
        var e = assertThrows(IllegalArgumentException.class, () -> canon("{\"x\": 1.5}"));
        assertTrue(e.getMessage().contains("floating-point"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> canon("[1e3]"));
    }

    @Test
    void refusesLoneSurrogates() {
        JsonNode lone = M.getNodeFactory().textNode("a\ud800b");
        assertThrows(IllegalArgumentException.class, () -> CanonicalJson.encode(lone));
        JsonNode trailing = M.getNodeFactory().textNode("\udc00");
        assertThrows(IllegalArgumentException.class, () -> CanonicalJson.encode(trailing));
    }

    @Test
    void sameTreeInAnyKeyOrderGivesSameBytes() throws Exception {
        assertEquals(canon("{\"x\":{\"b\":2,\"a\":1},\"w\":\"q\"}"), canon("{\"w\":\"q\",\"x\":{\"a\":1,\"b\":2}}"));
    }
}
