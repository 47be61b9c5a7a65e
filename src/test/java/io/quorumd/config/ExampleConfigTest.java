package io.quorumd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** config/quorumd.example.yaml must load, and must document every key the loader knows. */
class ExampleConfigTest {
    private static final Path EXAMPLE = Path.of("config", "quorumd.example.yaml");

    @Test
    void exampleLoads() throws Exception {
        QuorumdConfig c = ConfigLoader.load(EXAMPLE, k -> null);
        assertEquals("node-1", c.node().name());
        assertEquals(3, c.federation().roster().size());
    }

    @Test
    void everyKeyOfTheEffectiveConfigIsDocumentedInTheExample() throws Exception {
        QuorumdConfig c = ConfigLoader.load(EXAMPLE, k -> null);
        // Every key of a config with every optional value set, rendered as the effective config.
        String text = Files.readString(EXAMPLE);
        String uncommented = text.replaceAll("(?m)^(\\s*)# ((clientId|username|passwordFile|caFile|certFile|keyFile):)", "$1$2");
        Map<?, ?> documented = new ObjectMapper(new YAMLFactory()).readValue(uncommented, Map.class);
        List<String> missing = new ArrayList<>();
        collect("", ConfigRenderer.toMap(c), documented, missing);
        Map<?, ?> tls = (Map<?, ?>) ((Map<?, ?>) documented.get("mqtt")).get("tls");
        for (String k : List.of("caFile", "certFile", "keyFile")) {
            if (tls == null || !tls.containsKey(k)) {
                missing.add("mqtt.tls." + k);
            }
        }
        for (String k : List.of("clientId", "username", "passwordFile")) {
            if (!((Map<?, ?>) documented.get("mqtt")).containsKey(k)) {
                missing.add("mqtt." + k);
            }
        }
        assertTrue(missing.isEmpty(), "keys not in the example: " + missing);
    }

    @Test
    void everyDocumentedDefaultIsTheLoadersDefault() throws Exception {
        // "Default: X" comments name the value the loader fills in when the key is absent.
        String text = Files.readString(EXAMPLE);
        Matcher m = Pattern.compile("(?m)^\\s*# .*Default: (\\d+(?:ms|s|m|h|d)|\\d+MiB|\\d+|batch|text|info)$\\n(?:\\s*#.*\\n)*\\s*(\\w+):")
                .matcher(text);
        var checked = new TreeSet<String>();
        // A config setting nothing but a six-member roster, so every other value is the loader's default.
        StringBuilder bare = new StringBuilder("node:\n  name: n1\nfederation:\n  name: f\n  roster:\n");
        for (int i = 1; i <= 6; i++) {
            byte[] seed = new byte[32];
            seed[0] = (byte) i;
            bare.append("    - name: n").append(i).append("\n      publicKey: ")
                    .append(io.quorumd.crypto.NodeKey.fromSeed(seed).publicKey().base64()).append("\n      roles: [voter]\n");
        }
        Map<String, Object> defaults = flatten("", ConfigRenderer.toMap(ConfigLoader.parse(bare.toString(), Path.of("/x/q.yaml"), k -> null)));
        while (m.find()) {
            String key = m.group(2);
            String documented = m.group(1);
            defaults.entrySet().stream().filter(e -> e.getKey().endsWith("." + key)).findFirst().ifPresent(e -> {
                checked.add(e.getKey());
                assertEquals(normalize(documented), normalize(String.valueOf(e.getValue())),
                        "documented default of " + e.getKey());
            });
        }
        assertTrue(checked.size() >= 15, "checked " + checked);
    }

    private static String normalize(String v) {
        try {
            return String.valueOf(Durations.parse(v).toMillis());
        } catch (IllegalArgumentException e) {
            return v;
        }
    }

    private static Map<String, Object> flatten(String prefix, Map<?, ?> map) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        for (var e : map.entrySet()) {
            String key = prefix.isEmpty() ? e.getKey().toString() : prefix + "." + e.getKey();
            if (e.getValue() instanceof Map<?, ?> sub) {
                out.putAll(flatten(key, sub));
            } else {
                out.put(key, e.getValue());
            }
        }
        return out;
    }

    private static void collect(String prefix, Map<?, ?> effective, Map<?, ?> documented, List<String> missing) {
        for (var e : effective.entrySet()) {
            String key = prefix.isEmpty() ? e.getKey().toString() : prefix + "." + e.getKey();
            if (documented == null || !documented.containsKey(e.getKey())) {
                missing.add(key);
            } else if (e.getValue() instanceof Map<?, ?> sub && documented.get(e.getKey()) instanceof Map<?, ?> doc) {
                collect(key, sub, doc, missing);
            }
        }
    }
}
