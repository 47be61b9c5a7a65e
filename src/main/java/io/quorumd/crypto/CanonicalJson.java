package io.quorumd.crypto;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The one producer of signing and hashing bytes (DESIGN §4): RFC 8785 (JSON Canonicalization Scheme)
 * restricted to integers.
 *
 * <ul>
 *   <li>Object keys are sorted by their UTF-16 code units, as RFC 8785 §3.2.3 says — which is exactly
 *       {@link String#compareTo}. This is not code-point order: the two differ for a key holding a
 *       character above U+FFFF (a surrogate pair, D800–DFFF) against one holding U+E000–U+FFFF.</li>
 *   <li>No insignificant whitespace; strings escaped as RFC 8785 §3.2.2.2 (only {@code "}, {@code \}
 *       and controls; everything else as UTF-8).</li>
 *   <li>Numbers are integers with |n| ≤ 2^53−1, written in plain decimal: exactly what RFC 8785's
 *       IEEE-754 number serialization gives for them, so the bytes stay RFC 8785 bytes.</li>
 * </ul>
 *
 * <p>Anything outside that — a floating-point number (even an integral one such as {@code 56.0}), a
 * larger integer, a lone surrogate in a key or a string, a node that is not a JSON value — is refused
 * with {@link NotCanonicalException}, by {@link #requireCanonical} (a check that builds no output, for
 * decoders) and by {@link #encode} alike; both apply the same rules through one walk of the tree.
 */
public final class CanonicalJson {
    /** 2^53−1, the largest integer every RFC 8785 implementation (IEEE-754 doubles) holds exactly. */
    public static final long MAX_SAFE_INTEGER = (1L << 53) - 1;
    private static final char[] HEX_DIGITS = "0123456789abcdef".toCharArray();
    /** Longest key or number quoted whole in a refusal message; longer ones are cut, so a log line stays short. */
    private static final int MAX_QUOTED_CHARS = 40;

    private CanonicalJson() {
    }

    /** Throws NotCanonicalException if {@link #encode} would; builds no output. */
    public static void requireCanonical(JsonNode node) {
        walk(node, null, new ArrayList<>());
    }

    public static byte[] encode(JsonNode node) {
        return encodeToString(node).getBytes(StandardCharsets.UTF_8);
    }

    public static String encodeToString(JsonNode node) {
        StringBuilder out = new StringBuilder(256);
        walk(node, out, new ArrayList<>());
        return out.toString();
    }

    /**
     * Checks {@code node} and, when {@code out} is not null, appends its canonical form. {@code path}
     * holds the keys (String) and indices (Integer) leading to {@code node}, for error messages only.
     */
    private static void walk(JsonNode node, StringBuilder out, List<Object> path) {
        switch (node.getNodeType()) {
            case OBJECT -> walkObject(node, out, path);
            case ARRAY -> {
                append(out, '[');
                int index = 0;
                for (JsonNode element : node) {
                    if (index > 0) {
                        append(out, ',');
                    }
                    path.add(index++);
                    walk(element, out, path);
                    path.remove(path.size() - 1);
                }
                append(out, ']');
            }
            case STRING -> walkString(node.textValue(), "a string", out, path);
            case NUMBER -> walkNumber(node, out, path);
            case BOOLEAN -> append(out, node.booleanValue() ? "true" : "false");
            case NULL -> append(out, "null");
            default -> throw refused("a " + node.getNodeType() + " node, which is not a JSON value", path);
        }
    }

    private static void walkObject(JsonNode node, StringBuilder out, List<Object> path) {
        Iterable<Map.Entry<String, JsonNode>> fields = node.properties();
        if (out != null) {
            List<Map.Entry<String, JsonNode>> sorted = new ArrayList<>(node.properties());
            sorted.sort(Map.Entry.comparingByKey()); // String order = UTF-16 code units = RFC 8785 §3.2.3
            fields = sorted;
        }
        append(out, '{');
        boolean first = true;
        for (Map.Entry<String, JsonNode> field : fields) {
            if (!first) {
                append(out, ',');
            }
            first = false;
            walkString(field.getKey(), "a key", out, path);
            append(out, ':');
            path.add(field.getKey());
            walk(field.getValue(), out, path);
            path.remove(path.size() - 1);
        }
        append(out, '}');
    }

    private static void walkNumber(JsonNode node, StringBuilder out, List<Object> path) {
        if (!node.isIntegralNumber()) {
            throw refused("floating-point number " + shortened(node.asText()), path);
        }
        long value = node.longValue();
        if (!node.canConvertToLong() || value > MAX_SAFE_INTEGER || value < -MAX_SAFE_INTEGER) {
            throw refused("integer " + shortened(node.bigIntegerValue().toString()) + " outside ±(2^53−1)", path);
        }
        if (out != null) {
            out.append(value);
        }
    }

    private static void walkString(String s, String what, StringBuilder out, List<Object> path) {
        append(out, '"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isLowSurrogate(c) || i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    throw refused("lone surrogate in " + what + " at index " + i, path);
                }
                if (out != null) {
                    out.append(c).append(s.charAt(i + 1));
                }
                i++;
            } else if (out != null) {
                escape(c, out);
            }
        }
        append(out, '"');
    }

    private static void escape(char c, StringBuilder out) {
        switch (c) {
            case '"' -> out.append("\\\"");
            case '\\' -> out.append("\\\\");
            case '\b' -> out.append("\\b");
            case '\f' -> out.append("\\f");
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            default -> {
                if (c < 0x20) {
                    out.append("\\u00").append(HEX_DIGITS[c >> 4]).append(HEX_DIGITS[c & 0xf]);
                } else {
                    out.append(c);
                }
            }
        }
    }

    private static void append(StringBuilder out, char c) {
        if (out != null) {
            out.append(c);
        }
    }

    private static void append(StringBuilder out, String s) {
        if (out != null) {
            out.append(s);
        }
    }

    private static NotCanonicalException refused(String what, List<Object> path) {
        return new NotCanonicalException(what + " (at " + pointer(path) + ")");
    }

    private static String shortened(String number) {
        return number.length() <= MAX_QUOTED_CHARS ? number
                : number.substring(0, MAX_QUOTED_CHARS) + "… (" + number.length() + " characters)";
    }

    /**
     * A JSON Pointer (RFC 6901) to the offending value, for a log line: long keys are shortened and
     * control characters and surrogates shown as \\uXXXX, so a hostile key cannot forge or flood the log.
     */
    private static String pointer(List<Object> path) {
        if (path.isEmpty()) {
            return "top level";
        }
        StringBuilder p = new StringBuilder();
        for (Object segment : path) {
            p.append('/');
            String s = segment.toString();
            int shown = Math.min(s.length(), MAX_QUOTED_CHARS);
            for (int i = 0; i < shown; i++) {
                char c = s.charAt(i);
                if (c == '~') {
                    p.append("~0");
                } else if (c == '/') {
                    p.append("~1");
                } else if (c < 0x20 || c == 0x7f || Character.isSurrogate(c)) {
                    p.append(String.format("\\u%04x", (int) c));
                } else {
                    p.append(c);
                }
            }
            if (shown < s.length()) {
                p.append('…');
            }
        }
        return p.toString();
    }
}
