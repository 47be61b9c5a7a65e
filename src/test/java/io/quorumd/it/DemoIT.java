package io.quorumd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged demo as a person runs it: once on a terminal (a pseudo-terminal made by util-linux {@code script}),
 * where the stage under way is repainted in place and each finished stage stays as one line, and once through a
 * pipe, where the output is plain lines without a single escape code and the nodes' logs are only in the demo's
 * log file. Runs in the embedded leg only: the demo brings its own broker whatever the suite's broker is. The
 * terminal run uses the default 7 nodes; the piped run 5 (the fewest that still order roster changes and settle
 * tickets, so every stage shows), on a small heap, which also checks that the lean jar runs the whole demo. Two runs
 * of about 35 s each.
 */
class DemoIT {
    private static final Path JAR = Path.of("target", "quorumd.jar");
    private static final String ESC = "\u001b";
    private static final String REPAINT = "\r" + ESC + "[2K";

    @TempDir
    Path dir;

    @BeforeEach
    void embeddedLegOnly() {
        org.junit.jupiter.api.Assumptions.assumeTrue(TestBroker.describe().equals("embedded"),
                "the demo is checked once, in the embedded leg");
        assertTrue(Files.exists(JAR), "mvn package builds " + JAR);
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The finished stage lines, in order, as the screen shows them: what follows the last repaint of each line. */
    private static List<String> screenLines(String out) {
        List<String> lines = new ArrayList<>();
        for (String raw : out.split("\r?\n", -1)) {
            int at = raw.lastIndexOf(REPAINT);
            lines.add(at < 0 ? raw : raw.substring(at + REPAINT.length()));
        }
        return lines;
    }

    /** Asserts that each pattern matches a line, in this order, before the summary; returns the summary's first line. */
    private static int assertStagesInOrder(List<String> lines, int nodes, String out) {
        List<Pattern> expected = List.of(
                Pattern.compile(".*broker up: HiveMQ CE in this JVM at tcp://127\\.0\\.0\\.1:\\d+"),
                Pattern.compile(".*nodes online " + nodes + "/" + nodes + ": each sees its " + (nodes - 1) + " peers.*"),
                Pattern.compile(".*dispute A \\(payment-A\\): 3 of \\d primaries voted for the buyer; ruling BUYER on "
                        + nodes + "/" + nodes + " nodes"),
                Pattern.compile(".*dispute B \\(payment-B\\): primaries split 1-1.*"),
                Pattern.compile(".*roster change: node-" + (nodes + 1) + " admitted through ordering \\(.*\\); epoch 1 on "
                        + nodes + "/" + nodes + " nodes"),
                Pattern.compile(".*dispute C \\(payment-C\\): ruled while node-\\d was stopped; restarted, it received the"
                        + " ruling [\\d.]+ s later and acked it to node-\\d"),
                Pattern.compile(".*tickets: node-1 paid node-2 EV 10000 in \\d+ tickets; [1-9]\\d* winners settled through"
                        + " ordering \\(node-2 earned [1-9]\\d*\\), the same balances on " + nodes + "/" + nodes + " nodes"),
                Pattern.compile(".*checkpoints " + nodes + "/" + nodes + ": .*"),
                Pattern.compile(".*fallback activated: .* FALLBACK on " + nodes + "/" + nodes + " nodes"),
                Pattern.compile(".*dispute B ruled SELLER: .* on " + nodes + "/" + nodes + " nodes"),
                Pattern.compile(".*ledgers verified: " + nodes + " of " + nodes + " in full.*"));
        int summary = lines.indexOf("quorumd demo: " + nodes + " nodes on embedded HiveMQ CE at "
                + lines.stream().filter(l -> l.startsWith("quorumd demo: " + nodes + " nodes on ")).findFirst()
                .map(l -> l.substring(l.indexOf(" at ") + 4)).orElse("?"));
        assertTrue(summary > 0, "no summary:\n" + out);
        int next = 0;
        for (Pattern p : expected) {
            while (next < summary && !p.matcher(lines.get(next)).matches()) {
                next++;
            }
            assertTrue(next < summary, "no stage line matching " + p + " in order before the summary:\n" + out);
            assertTrue(lines.get(next).startsWith("✓ ") || lines.get(next).startsWith("ok "), lines.get(next));
            next++;
        }
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("✗ ") || l.startsWith("!! ")), out);
        assertTrue(summary <= 60, summary + " lines before the summary:\n" + out);
        int ledgers = lines.indexOf("ledgers: " + nodes + " of " + nodes + " verify in full"
                + lines.stream().filter(l -> l.startsWith("ledgers: ")).findFirst().map(l -> l.substring(l.indexOf(" ("))).orElse(""));
        assertTrue(ledgers > summary, "the summary ends with every ledger verified:\n" + out);
        assertEquals("demo complete", lines.get(ledgers + 1), out);
        assertTrue(lines.stream().anyMatch(l -> l.matches("  roster: node-" + (nodes + 1) + " admitted at seq \\d+, .* on "
                + nodes + "/" + nodes + " nodes")), "the summary tells of the roster change:\n" + out);
        assertTrue(lines.stream().anyMatch(l -> l.matches("  delivery: dispute C ruled BUYER while node-\\d was down for .*;"
                + " it held the ruling .* and acknowledged it to node-\\d's responder .*")), "the summary tells of the"
                + " late delivery:\n" + out);
        assertTrue(lines.stream().anyMatch(l -> l.matches("  payments: node-1 deposited .* [1-9]\\d* of [1-9]\\d* winners"
                + " redeemed through ordering, node-2 earned [1-9]\\d*; the same balances on " + nodes + "/" + nodes + " nodes")),
                "the summary tells of the tickets:\n" + out);
        assertTrue(lines.stream().anyMatch(l -> l.matches("  \\p{XDigit}{16} payment-C  RESOLVED  BUYER .* " + nodes + "/"
                + nodes + " nodes")), "dispute C in the summary's table:\n" + out);
        return summary;
    }

    @Test
    void onATerminalTheStageUnderWayUpdatesInPlaceAndEachFinishedStageStaysAsALine() throws Exception {
        assertTrue(Files.isExecutable(Path.of("/usr/bin/script")), "util-linux script makes the pseudo-terminal");
        Path data = dir.resolve("demo");
        String command = "'" + java() + "' -jar '" + JAR.toAbsolutePath() + "' demo --data-dir '" + data + "'";
        ProcessBuilder pb = new ProcessBuilder(List.of("/usr/bin/script", "-qfec", command, "/dev/null"))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(dir.resolve("tty.txt").toFile()).redirectErrorStream(true);
        pb.environment().put("TERM", "xterm-256color");
        Process p = pb.start();
        assertTrue(p.waitFor(150, TimeUnit.SECONDS), "demo did not end");
        String out = Files.readString(dir.resolve("tty.txt"), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);

        assertTrue(out.contains(REPAINT), "the status line is repainted in place:\n" + out);
        Pattern counting = Pattern.compile(Pattern.quote(REPAINT) + "\\S+ +[\\d.]+s  nodes online [0-6]/7");
        assertTrue(counting.matcher(out).find(), "nodes online counts up before 7/7:\n" + out);
        int summary = assertStagesInOrder(screenLines(out), 7, out);
        String summaryText = String.join("\n", screenLines(out).subList(summary, screenLines(out).size()));
        assertFalse(summaryText.contains(ESC), "the summary is plain text:\n" + summaryText);
        assertTrue(Files.readString(data.resolve("demo.log")).contains("node=node-7"), "node logs go to demo.log");
    }

    @Test
    void throughAPipeStagesArePlainLinesAndTheNodeLogsAreInTheLogFileOnly() throws Exception {
        assertTrue(Files.size(JAR) < 60L << 20, "jar is " + Files.size(JAR) + " bytes");
        Path data = dir.resolve("demo");
        Process p = new ProcessBuilder(List.of(java(), "-Xmx256m", "-XX:+UseSerialGC", "-jar", JAR.toString(), "demo",
                "--nodes", "5", "--data-dir", data.toString()))
                .redirectError(dir.resolve("stderr.txt").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(150, TimeUnit.SECONDS), "demo did not end");
        String err = Files.readString(dir.resolve("stderr.txt"));
        assertEquals(0, p.exitValue(), out + err);

        assertFalse(out.contains(ESC), "no escape code in piped output:\n" + out);
        assertFalse(out.contains("\r"), "no carriage return in piped output:\n" + out);
        assertStagesInOrder(List.of(out.split("\n", -1)), 5, out);
        assertTrue(out.contains("node logs: " + data.resolve("demo.log")), "the output says where the log is:\n" + out);
        assertEquals("", err, "nothing on stderr: node and broker logs go to the file");
        String log = Files.readString(data.resolve("demo.log"));
        for (int k = 1; k <= 5; k++) {
            assertTrue(log.contains(" INFO  node=node-" + k + " "), "node-" + k + "'s log lines are in demo.log");
        }
        assertTrue(log.contains("EmbeddedBroker: embedded broker started"), log);
    }
}
