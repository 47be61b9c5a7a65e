package io.quorumd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import io.quorumd.config.ConfigLoader;
import io.quorumd.config.FederationInit;
import io.quorumd.config.NodeIdentity;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.crypto.NodeKey;
import io.quorumd.node.QuorumNode;
import io.quorumd.wire.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/cli.md against the code: every command with {@code --json} is documented, and run against a real node
 * (node-1 of a four-member lab federation, started in this JVM with its broker out of reach) each prints
 * exactly one JSON document of the documented shape with exactly the documented top-level fields.
 */
class JsonOutputTest {
    @TempDir
    Path dir;

    /** The command lines (without --json) of every command with --json that succeeds on a lone node. */
    private final Map<String, Supplier<String[]>> runs = new LinkedHashMap<>();
    /** Answers kept for the commands after them (a dispute id, a tracker id). */
    private final Map<String, JsonNode> answers = new LinkedHashMap<>();

    @Test
    void everyCommandWithJsonIsDocumented() throws IOException {
        JsonDocs docs = JsonDocs.read();
        Set<String> withJson = new TreeSet<>();
        for (var leaf : CliTree.leaves(Main.commandLine())) {
            if (leaf.getCommandSpec().findOption("--json") != null) {
                withJson.add(CliTree.path(leaf));
            }
        }
        Set<String> documented = new TreeSet<>(docs.sections().keySet());
        documented.addAll(docs.refusedAlone());
        assertEquals(withJson, documented);
        for (String c : List.of("quorumd status", "quorumd ledger stats", "quorumd ledger verify", "quorumd config check",
                "quorumd pm balance", "quorumd federation log", "quorumd dispute show", "quorumd responder show")) {
            assertTrue(withJson.contains(c), c + " has --json");
        }
    }

    @Test
    void everyDocumentedCommandPrintsOneDocumentWithItsDocumentedFields() throws Exception {
        JsonDocs docs = JsonDocs.read();
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: the node's broker is out of reach
        }
        Path fed = dir.resolve("fed");
        Path config = FederationInit.write(fed, new FederationInit.Options(4, "tcp://127.0.0.1:" + port, "qd-cli-json", true),
                new SecureRandom()).get(0).config();
        Path nextKey = config.resolveSibling("next.key");
        NodeKey.generate(new SecureRandom()).writeNew(nextKey);
        Files.writeString(config, Files.readString(config).replace("  keyFile: node.key\n",
                "  keyFile: node.key\n  nextKeyFile: next.key\n"));
        QuorumdConfig c = ConfigLoader.load(config);
        String cfg = config.toString();
        Path data = c.node().dataDir();

        daemon("quorumd status", cfg);
        daemon("quorumd checkpoint show", cfg);
        daemon("quorumd sync now", cfg);
        daemon("quorumd dispute open", cfg, "--subject", "pay-1", "--buyer", "node-1", "--seller", "node-2", "--amount", "5",
                "--reason", "late");
        daemon("quorumd dispute list", cfg);
        runs.put("quorumd dispute show", () -> args("dispute show", cfg, answers.get("quorumd dispute open")
                .path("disputeId").asText()));
        daemon("quorumd arbiter reputation", cfg);
        daemon("quorumd federation propose add", cfg, "--name", "node-5", "--new-key", fed.resolve("node-5/node.key").toString());
        daemon("quorumd federation propose remove", cfg, "--name", "node-4");
        daemon("quorumd federation propose roles", cfg, "--name", "node-4", "--roles", "voter,replica");
        daemon("quorumd federation propose rotate-key", cfg, "--new-key", nextKey.toString());
        daemon("quorumd federation show", cfg);
        daemon("quorumd federation requests", cfg);
        daemon("quorumd federation log", cfg);
        daemon("quorumd pm params", cfg, "--from", "node-2", "--wait", "0");
        daemon("quorumd pm received", cfg);
        daemon("quorumd pm tickets", cfg);
        daemon("quorumd pm balance", cfg);
        daemon("quorumd pm fund", cfg, "--deposit", "10", "--reserve", "5");
        daemon("quorumd pm unlock", cfg);
        daemon("quorumd pm cancel-unlock", cfg);
        daemon("quorumd pm withdraw", cfg);
        daemon("quorumd responder list", cfg, "--state", "all");
        for (String onTracker : List.of("show", "retry")) {
            runs.put("quorumd responder " + onTracker, () -> args("responder " + onTracker, cfg, firstTracker()));
        }
        runs.put("quorumd responder drop", () -> args("responder drop", cfg, firstTracker(), "--reason", "a test"));
        runs.put("quorumd key show", () -> new String[] {"key", "show", "--key", config.resolveSibling("node.key").toString()});
        runs.put("quorumd keygen", () -> new String[] {"keygen", "--out", dir.resolve("new.key").toString()});
        runs.put("quorumd config check", () -> new String[] {"config", "check", "--config", cfg});
        runs.put("quorumd ledger verify", () -> new String[] {"ledger", "verify", data.toString(), "--full"});
        runs.put("quorumd ledger stats", () -> new String[] {"ledger", "stats", data.toString()});
        runs.put("quorumd ledger show", () -> new String[] {"ledger", "show", data.toString()});

        assertEquals(new TreeSet<>(docs.sections().keySet()), new TreeSet<>(runs.keySet()),
                "every documented document is checked here");
        QuorumNode node = QuorumNode.open(c, NodeIdentity.all(c), Clock.systemUTC(), t -> { }, () -> { });
        node.start();
        try {
            for (String refused : docs.refusedAlone()) {
                refusedWithNothingOnStdout(refused, cfg);
            }
            for (var run : runs.entrySet()) {
                if (run.getKey().startsWith("quorumd ledger")) {
                    node.stop(Duration.ofSeconds(2)); // the ledger commands read it offline, closed
                }
                check(run.getKey(), docs.sections().get(run.getKey()), run.getValue().get());
            }
        } finally {
            node.stop(Duration.ofSeconds(2));
        }
    }

    private void daemon(String command, String cfg, String... more) {
        runs.put(command, () -> args(command.substring("quorumd ".length()), cfg, more));
    }

    private static String[] args(String words, String cfg, String... more) {
        List<String> a = new ArrayList<>(List.of(words.split(" ")));
        a.addAll(List.of(more));
        a.add("--config");
        a.add(cfg);
        return a.toArray(String[]::new);
    }

    private String firstTracker() {
        JsonNode list = answers.get("quorumd responder list");
        assertTrue(list.size() > 0, "the proposals above left request trackers: " + list);
        return list.get(0).path("id").asText();
    }

    private void check(String command, JsonDocs.Section doc, String[] args) throws IOException {
        List<String> withJson = new ArrayList<>(List.of(args));
        withJson.add("--json");
        CliRun r = CliRun.of(withJson.toArray(String[]::new));
        int expected = switch (command) {
            case "quorumd status" -> StatusCommand.NOT_CONNECTED; // its broker is out of reach
            case "quorumd pm params" -> Main.FAILURE; // no params within --wait 0: the document says held false
            default -> Main.OK;
        };
        assertEquals(expected, r.code(), command + ": " + r);
        List<JsonNode> objects = new ArrayList<>();
        if (doc.shape() == JsonDocs.Shape.LINES) {
            for (String line : r.out().split("\n")) {
                objects.add(onlyDocument(command, line));
            }
        } else {
            JsonNode d = onlyDocument(command, r.out());
            answers.put(command, d);
            if (doc.shape() == JsonDocs.Shape.ARRAY) {
                assertTrue(d.isArray() && d.size() > 0, command + " prints a non-empty array here: " + d);
                d.forEach(objects::add);
            } else {
                objects.add(d);
            }
        }
        for (JsonNode o : objects) {
            assertTrue(o.isObject(), command + ": " + o);
            Set<String> fields = new TreeSet<>();
            o.fieldNames().forEachRemaining(fields::add);
            assertTrue(fields.containsAll(doc.required()), command + ": documented " + doc.required() + ", printed " + fields);
            assertTrue(doc.all().containsAll(fields), command + ": printed " + fields + ", documented only " + doc.all());
        }
    }

    /** {@code text} as exactly one JSON document, nothing before or after it. */
    private static JsonNode onlyDocument(String command, String text) throws IOException {
        try (JsonParser p = Json.MAPPER.createParser(text)) {
            JsonNode d = Json.MAPPER.readTree(p);
            assertNotNull(d, command + " printed no JSON");
            assertNull(p.nextToken(), command + " printed more than one JSON document: " + text);
            return d;
        }
    }

    private static void refusedWithNothingOnStdout(String command, String cfg) {
        String[] words = switch (command) {
            case "quorumd checkpoint now" -> args("checkpoint now", cfg);
            case "quorumd dispute vote" -> args("dispute vote", cfg, "nosuchdispute", "--for", "buyer", "--reason", "r");
            case "quorumd federation endorse" -> args("federation endorse", cfg, "00112233445566778899aabbccddeeff");
            case "quorumd pm pay" -> args("pm pay", cfg, "--to", "node-2", "--ev", "1", "--wait", "0");
            default -> throw new AssertionError("no refusal case for " + command);
        };
        List<String> withJson = new ArrayList<>(List.of(words));
        withJson.add("--json");
        CliRun r = CliRun.of(withJson.toArray(String[]::new));
        assertEquals(Main.FAILURE, r.code(), command + ": " + r);
        assertEquals("", r.out(), command + ": a refusal prints nothing on stdout");
        assertTrue(r.err().contains("quorumd: "), command + ": the reason goes to stderr: " + r.err());
    }

    @Test
    void onlyDocumentRefusesTwoDocumentsAndText() {
        for (String bad : List.of("{\"a\":1}\n{\"a\":2}\n", "{\"a\":1} trailing", "[1]\n[2]")) {
            boolean failed;
            try {
                onlyDocument("x", bad);
                failed = false;
            } catch (AssertionError | IOException e) {
                failed = true;
            }
            assertTrue(failed, bad);
        }
    }

    @Test
    void onlyDocumentTakesOnePrettyPrintedDocument() throws IOException {
        assertEquals(2, onlyDocument("x", "[ {\n  \"a\" : 1\n}, {\n  \"a\" : 2\n} ]\n").size());
    }
}
