package io.quorumd.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Typed, path-aware reads of one YAML mapping. Every key read is remembered; {@link #finish()} reports
 * the keys nobody asked for as unknown, with a "did you mean" from the keys that were asked for. Problems
 * are collected, never thrown, so one run reports all of them. A failed read returns the default.
 */
final class YamlSection {
    private final JsonNode node;
    private final String path;
    private final List<ConfigProblem> problems;
    private final EnvExpander env;
    private final Set<String> known = new LinkedHashSet<>();

    YamlSection(JsonNode node, String path, List<ConfigProblem> problems, EnvExpander env) {
        this.path = path;
        this.problems = problems;
        this.env = env;
        if (node == null || node.isMissingNode() || node.isNull() || (node.isTextual() && node.textValue().isEmpty())) {
            this.node = MissingNode.getInstance();
        } else if (!node.isObject()) {
            problems.add(new ConfigProblem(path, "must be a mapping of keys to values"));
            this.node = MissingNode.getInstance();
        } else {
            this.node = node;
        }
    }

    String path() {
        return path;
    }

    String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    void problem(String key, String message) {
        problems.add(new ConfigProblem(key == null ? path : pathOf(key), message));
    }

    boolean has(String key) {
        known.add(key);
        JsonNode v = node.get(key);
        return v != null && !v.isNull();
    }

    JsonNode raw(String key) {
        known.add(key);
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? MissingNode.getInstance() : v;
    }

    YamlSection section(String key) {
        return new YamlSection(raw(key), pathOf(key), problems, env);
    }

    /** A scalar as expanded text, or null when absent or unusable (a problem is then recorded). */
    private String scalar(String key) {
        JsonNode v = raw(key);
        if (v.isMissingNode()) {
            return null;
        }
        if (!v.isValueNode()) {
            problem(key, "must be a single value, not a " + (v.isArray() ? "list" : "mapping"));
            return null;
        }
        return expand(key, v.asText());
    }

    String expand(String key, String text) {
        try {
            return env.expand(text);
        } catch (IllegalArgumentException e) {
            problem(key, e.getMessage());
            return null;
        }
    }

    String string(String key, String def) {
        JsonNode v = raw(key);
        if (!v.isMissingNode() && !v.isTextual()) {
            problem(key, "must be a string");
            return def;
        }
        String s = scalar(key);
        return s == null ? def : s;
    }

    /**
     * A file path, a relative one resolved against {@code base} (when known); one the file system cannot name (a
     * NUL character) is a problem at this key, and {@code def} is used instead. Null if unset without a default.
     */
    Path path(String key, String def, Path base) {
        String s = string(key, def);
        try {
            return resolve(s, base);
        } catch (InvalidPathException e) {
            problem(key, "is not a usable path: " + e.getReason());
            return resolve(def, base);
        }
    }

    private static Path resolve(String value, Path base) {
        if (value == null) {
            return null;
        }
        Path p = Path.of(value);
        return p.isAbsolute() || base == null ? p : base.resolve(p).normalize();
    }

    String requiredString(String key) {
        String s = string(key, null);
        if (s == null && !raw(key).isValueNode()) {
            problem(key, "is required");
        } else if (s != null && s.isBlank()) {
            problem(key, "must not be empty");
            return null;
        }
        return s;
    }

    Duration duration(String key, Duration def) {
        JsonNode v = raw(key);
        if (v.isMissingNode()) {
            return def;
        }
        if (v.isNumber()) {
            problem(key, "a duration needs a unit: write e.g. " + v.asText() + "s or " + v.asText() + "ms");
            return def;
        }
        String s = scalar(key);
        if (s == null) {
            return def;
        }
        try {
            return Durations.parse(s);
        } catch (IllegalArgumentException e) {
            problem(key, e.getMessage());
            return def;
        }
    }

    /** A duration that must be longer than zero. */
    Duration positiveDuration(String key, Duration def) {
        Duration d = duration(key, def);
        if (d.isZero() && has(key)) {
            problem(key, "must be longer than 0");
            return def;
        }
        return d;
    }

    long integer(String key, long def, long min, long max) {
        JsonNode v = raw(key);
        if (v.isMissingNode()) {
            return def;
        }
        long value;
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            value = v.longValue();
        } else if (v.isTextual() && EnvExpander.hasReference(v.textValue())) {
            String s = scalar(key);
            if (s == null) {
                return def;
            }
            try {
                value = Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                problem(key, "'" + s + "' is not a whole number");
                return def;
            }
        } else {
            problem(key, "must be a whole number, got " + describe(v));
            return def;
        }
        if (value < min || value > max) {
            problem(key, value + " is out of range " + min + ".." + max);
            return def;
        }
        return value;
    }

    /** true or false (also yes/no, on/off as YAML 1.1 reads them, or the words as strings). */
    boolean bool(String key, boolean def) {
        JsonNode v = raw(key);
        if (v.isMissingNode()) {
            return def;
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        String s = string(key, String.valueOf(def)).toLowerCase(Locale.ROOT);
        if (s.equals("true") || s.equals("yes") || s.equals("on")) {
            return true;
        }
        if (s.equals("false") || s.equals("no") || s.equals("off")) {
            return false;
        }
        problem(key, "'" + s + "' is not true or false");
        return def;
    }

    /** One of the given lowercase words. YAML 1.1 reads a bare {@code off} as false: that means "off". */
    String choice(String key, String def, String... allowed) {
        JsonNode v = raw(key);
        if (v.isBoolean() && Arrays.asList(allowed).contains(v.booleanValue() ? "on" : "off")) {
            return v.booleanValue() ? "on" : "off";
        }
        String s = string(key, def);
        for (String a : allowed) {
            if (a.equalsIgnoreCase(s)) {
                return a;
            }
        }
        problem(key, "'" + s + "' is not one of " + String.join(", ", allowed));
        return def;
    }

    List<JsonNode> list(String key) {
        JsonNode v = raw(key);
        if (v.isMissingNode()) {
            return List.of();
        }
        if (!v.isArray()) {
            problem(key, "must be a list");
            return List.of();
        }
        List<JsonNode> out = new ArrayList<>();
        v.forEach(out::add);
        return out;
    }

    EnvExpander env() {
        return env;
    }

    List<ConfigProblem> problems() {
        return problems;
    }

    /**
     * Reports every key that was present but never read, at its path; a key that is empty or holds more than
     * letters, digits, '-' and '_' (a dot would read as nesting) is shown quoted, so that the path still names it.
     */
    void finish() {
        for (var property : node.properties()) {
            String key = property.getKey();
            if (!known.contains(key)) {
                String hint = Suggestions.closest(key, known).map(k -> ", did you mean " + k + "?").orElse("");
                String shown = key.matches("[A-Za-z0-9_-]+") ? key : '"' + key.replace("\"", "\\\"") + '"';
                problems.add(new ConfigProblem(pathOf(shown), "unknown key" + hint));
            }
        }
    }

    private static String describe(JsonNode v) {
        if (v.isTextual()) {
            return "'" + v.textValue() + "'";
        }
        if (v.isArray()) {
            return "a list";
        }
        if (v.isObject()) {
            return "a mapping";
        }
        return v.asText().toLowerCase(Locale.ROOT);
    }
}
