package io.quorumd.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte sizes written as a whole number of bytes or with a binary unit: {@code 512KiB}, {@code 64MiB}, {@code 1GiB}. */
final class Sizes {
    private static final Pattern FORM = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB)?");

    private Sizes() {
    }

    static long read(YamlSection section, String key, long def, long min, long max) {
        JsonNode v = section.raw(key);
        if (v.isMissingNode() || v.isIntegralNumber()) {
            return section.integer(key, def, min, max);
        }
        String text = v.isTextual() ? section.expand(key, v.textValue()) : null;
        if (text == null) {
            if (!v.isTextual()) {
                section.problem(key, "must be a size such as 64MiB");
            }
            return def;
        }
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) {
            section.problem(key, "'" + text + "' is not a size (write e.g. 67108864, 512KiB, 64MiB, 1GiB)");
            return def;
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        long bytes = switch (unit) {
            case "KiB" -> n << 10;
            case "MiB" -> n << 20;
            case "GiB" -> n << 30;
            default -> n;
        };
        if (bytes < min || bytes > max) {
            section.problem(key, text + " is out of range " + min + ".." + max + " bytes");
            return def;
        }
        return bytes;
    }

    static String format(long bytes) {
        if (bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "GiB";
        }
        if (bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "MiB";
        }
        if (bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "KiB";
        }
        return Long.toString(bytes);
    }
}
