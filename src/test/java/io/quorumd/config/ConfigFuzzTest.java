package io.quorumd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random and mutated YAML at {@link ConfigLoader#parse}: documents derived from config/quorumd.example.yaml and from
 * what {@code federation init} writes, damaged at the tree level (wrong types, missing and unknown keys, bad
 * durations and sizes, extreme numbers, bad keys, deep nesting, env references) and at the text level (lines lost,
 * repeated or re-indented, characters changed, anchors and aliases, text that is not YAML). Each must load or be
 * refused with a {@link ConfigException} whose problems name where (the empty path only for the document as a
 * whole: not YAML, or not a mapping); nothing else may escape.
 * {@code -Dquorumd.fuzz.yamlCases} (default: a tenth of {@code quorumd.fuzz.cases}, so 1000) and
 * {@code -Dquorumd.fuzz.seed} choose the run.
 */
class ConfigFuzzTest {
    static final long CASES = Long.getLong("quorumd.fuzz.yamlCases", Long.getLong("quorumd.fuzz.cases", 10_000) / 10);
    static final long SEED = Long.getLong("quorumd.fuzz.seed", 20261122L);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String[] ODD = {"", "10", "5x", "-1s", "1.5s", "0s", "99999999999999999999d", "9223372036854775807ms",
        "1e400", "NaN", "true", "null", "~", "${UNSET}", "${SET}", "${UNSET:-7s}", "${", "${SET:-}", "$${SET}", "64MiB",
        "-64MiB", "99999999999GiB", "1KiB", "tcp://", "ssl://x:99999", "!!binary AAAA", "AAAA", "v1VWfs6gCdPHmqRTaxT3XkT5vUYNzeHlgSViPReryrM",
        "v1VWfs6gCdPHmqRTaxT3XkT5vUYNzeHlgSViPReryrM==", "%%%", "ü\u0000", "\uD83D\uDE00", "x".repeat(5000), "[voter, voter]",
        "voter", "arbiter", "replica", "fallback-arbiter", "auto", "on", "off", "batch", "always", "json", "text", "trace"};

    @TempDir
    Path dir;

    @Test
    void mutatedConfigsLoadOrAreRefusedWithTheirYamlPath() throws Exception {
        List<String> templates = templates();
        Map<String, Long> outcomes = new TreeMap<>();
        List<String> escapes = new ArrayList<>();
        List<String> pathless = new ArrayList<>();
        Path source = dir.resolve("quorumd.yaml");
        Map<String, String> env = Map.of("SET", "value");
        long started = System.nanoTime();
        for (long i = 0; i < CASES; i++) {
            Random r = new Random(SEED * 1_000_003L + i);
            String yaml = mutate(r, templates.get(r.nextInt(templates.size())));
            String label = "seed " + SEED + " case " + i;
            try {
                ConfigLoader.parse(yaml, source, env::get);
                outcomes.merge("loaded", 1L, Long::sum);
            } catch (ConfigException e) {
                outcomes.merge(e.problems().size() == 1 && e.problems().get(0).message().startsWith("not valid YAML")
                        ? "refused:not_yaml" : "refused", 1L, Long::sum);
                if (e.problems().isEmpty()) {
                    pathless.add(label + ": no problems listed");
                }
                for (ConfigProblem p : e.problems()) {
                    if (p.path().isEmpty() && !p.message().startsWith("not valid YAML")
                            && !p.message().equals("must be a mapping of keys to values")) {
                        pathless.add(label + ": " + p.message());
                    }
                }
            } catch (RuntimeException | StackOverflowError e) {
                escapes.add(label + ": " + e + " at " + (e.getStackTrace().length > 0 ? e.getStackTrace()[0] : "?")
                        + "\n---\n" + (yaml.length() > 600 ? yaml.substring(0, 600) + "…" : yaml) + "\n---");
            }
        }
        System.out.println("config fuzz: seed=" + SEED + " cases=" + CASES + " outcomes=" + outcomes + " escaped="
                + escapes.size() + " pathless=" + pathless.size() + " wall_ms=" + (System.nanoTime() - started) / 1_000_000);
        if (!pathless.isEmpty()) {
            System.out.println("config fuzz: problems without a path: " + pathless.stream()
                    .map(l -> l.replaceAll("^seed \\d+ case \\d+: ", "").replaceAll("\\d+", "N")).distinct().limit(10).toList());
        }
        assertEquals(List.of(), escapes.stream().limit(5).collect(Collectors.toList()), "only ConfigException escapes");
        assertEquals(List.of(), pathless.stream().limit(5).collect(Collectors.toList()), "every problem names its YAML path");
        assertTrue(outcomes.getOrDefault("loaded", 0L) > 0 && outcomes.getOrDefault("refused", 0L) > 0,
                "the run both loads and refuses: " + outcomes);
    }

    /** The example file and what `federation init` writes (plain and --fast, 3 and 5 nodes), deterministically. */
    private List<String> templates() throws Exception {
        List<String> out = new ArrayList<>();
        out.add(Files.readString(Path.of("config/quorumd.example.yaml")));
        int k = 0;
        for (int nodes : new int[] {3, 5}) {
            for (boolean fast : new boolean[] {false, true}) {
                SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
                random.setSeed(SEED + nodes * 2L + (fast ? 1 : 0));
                Path out1 = dir.resolve("init-" + k++);
                var files = FederationInit.write(out1, new FederationInit.Options(nodes, "tcp://127.0.0.1:1883", null, fast),
                        random);
                out.add(Files.readString(files.get(0).config()));
            }
        }
        return out;
    }

    static String mutate(Random r, String template) throws Exception {
        int pick = r.nextInt(100);
        if (pick < 5) {
            return randomText(r);
        } else if (pick < 35) {
            return damageText(r, template);
        }
        JsonNode tree = YAML.readTree(template);
        for (int ops = 1 + r.nextInt(3); ops > 0; ops--) {
            damageTree(r, (ObjectNode) tree);
        }
        String text;
        try {
            text = YAML.writeValueAsString(tree);
        } catch (com.fasterxml.jackson.core.JsonProcessingException tooDeep) {
            return damageText(r, template); // nested mutations stacked past what the writer takes
        }
        return pick < 45 ? damageText(r, text) : text;
    }

    private static String randomText(Random r) {
        StringBuilder b = new StringBuilder();
        String alphabet = "abc: -[]{}\n  &*!|>'\"#%@`,?\t0123456789${}";
        for (int i = r.nextInt(400); i > 0; i--) {
            b.append(r.nextInt(10) == 0 ? (char) r.nextInt(0x3000) : alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    private static String damageText(Random r, String text) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        for (int ops = 1 + r.nextInt(3); ops > 0 && !lines.isEmpty(); ops--) {
            int at = r.nextInt(lines.size());
            switch (r.nextInt(10)) {
                case 0 -> lines.remove(at);
                case 1 -> lines.add(at, lines.get(at));
                case 2 -> lines.set(at, "  " + lines.get(at));
                case 3 -> lines.set(at, lines.get(at).replaceFirst("^  ", ""));
                case 4 -> lines.set(at, lines.get(at).replaceFirst(": .*", java.util.regex.Matcher.quoteReplacement(": " + ODD[r.nextInt(ODD.length)])));
                case 5 -> lines.set(at, lines.get(at).replace(" ", "\t"));
                case 6 -> lines.add(at, "x: &a [" + "*a, ".repeat(0) + "1]\ny: *a\nz: &b [*a, *a, *a]\nw: [*b, *b, *b, *b]");
                case 7 -> {
                    String l = lines.get(at);
                    if (!l.isEmpty()) {
                        char[] c = l.toCharArray();
                        c[r.nextInt(c.length)] = ":-[]{}&*!|>'\"#\n".charAt(r.nextInt(15));
                        lines.set(at, new String(c));
                    }
                }
                case 8 -> {
                    int depth = 50 + r.nextInt(6000);
                    lines.set(at, lines.get(at).replaceFirst(": .*", ": " + "[".repeat(depth) + "]".repeat(depth)));
                }
                default -> lines.add(at, "  ".repeat(r.nextInt(4)) + "unknownKey" + r.nextInt(3) + ": " + ODD[r.nextInt(ODD.length)]);
            }
        }
        return String.join("\n", lines);
    }

    private static void damageTree(Random r, ObjectNode root) {
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers);
        JsonNode c = containers.get(r.nextInt(containers.size()));
        if (c instanceof ArrayNode a) {
            if (!a.isEmpty() && r.nextBoolean()) {
                a.set(r.nextInt(a.size()), value(r));
            } else if (!a.isEmpty()) {
                a.add(a.get(r.nextInt(a.size())).deepCopy());
            } else {
                a.add(value(r));
            }
            return;
        }
        ObjectNode o = (ObjectNode) c;
        List<String> names = new ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        String field = names.isEmpty() ? "x" : names.get(r.nextInt(names.size()));
        switch (r.nextInt(6)) {
            case 0 -> o.remove(field);
            case 1 -> o.set(field + (r.nextBoolean() ? "s" : ""), value(r));
            case 2 -> o.put(field, ODD[r.nextInt(ODD.length)]);
            case 3 -> o.set(field, nested(r.nextInt(r.nextInt(8) == 0 ? 900 : 40)));
            case 4 -> o.set(field, number(r));
            default -> o.set(field, value(r));
        }
    }

    private static void collect(JsonNode n, List<JsonNode> out) {
        if (n.isContainerNode()) {
            out.add(n);
            for (Iterator<JsonNode> it = n.elements(); it.hasNext();) {
                collect(it.next(), out);
            }
        }
    }

    private static JsonNode value(Random r) {
        return switch (r.nextInt(7)) {
            case 0 -> F.nullNode();
            case 1 -> F.booleanNode(r.nextBoolean());
            case 2 -> number(r);
            case 3 -> F.textNode(ODD[r.nextInt(ODD.length)]);
            case 4 -> F.objectNode().put("k", r.nextInt());
            case 5 -> F.arrayNode().add(ODD[r.nextInt(ODD.length)]).add(r.nextInt());
            default -> F.arrayNode();
        };
    }

    private static JsonNode number(Random r) {
        return switch (r.nextInt(8)) {
            case 0 -> F.numberNode(Long.MAX_VALUE);
            case 1 -> F.numberNode(Long.MIN_VALUE);
            case 2 -> F.numberNode(-1);
            case 3 -> F.numberNode(0);
            case 4 -> F.numberNode(new java.math.BigInteger("9".repeat(40)));
            case 5 -> F.numberNode(1e300);
            case 6 -> F.numberNode(2.5);
            default -> F.numberNode(r.nextInt());
        };
    }

    private static JsonNode nested(int depth) {
        JsonNode n = F.textNode("deep");
        for (int i = 0; i < depth; i++) {
            n = i % 2 == 0 ? F.arrayNode().add(n) : F.objectNode().set("a", n);
        }
        return n;
    }
}
