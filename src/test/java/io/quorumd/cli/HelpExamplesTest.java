package io.quorumd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every leaf command's help ends with 1–3 examples, and each example is a command line picocli accepts for
 * that very command: a renamed or removed option, a missing required one or a value of the wrong type fails here.
 */
class HelpExamplesTest {
    private static final String HEADING = "\nExamples:\n";

    /**
     * The examples at the end of {@code c}'s usage message, without their two-space indent; an example may go
     * on over lines ending in a backslash (its next line indented six spaces). A line too long for the help's
     * width would wrap to the left margin and fail here.
     */
    static List<String> examples(CommandLine c) {
        String usage = c.getUsageMessage(CommandLine.Help.Ansi.OFF);
        int at = usage.lastIndexOf(HEADING);
        assertTrue(at >= 0, CliTree.path(c) + " --help has no Examples: section:\n" + usage);
        List<String> out = new ArrayList<>();
        StringBuilder pending = null;
        for (String line : usage.substring(at + HEADING.length()).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (pending != null) {
                assertTrue(line.startsWith("      ") && !line.startsWith("       "), CliTree.path(c) + ": continued as: " + line);
                pending.append(' ').append(line.strip());
            } else {
                assertTrue(line.startsWith("  quorumd "), CliTree.path(c) + ": after Examples: only examples, got: " + line);
                pending = new StringBuilder(line.strip());
            }
            if (pending.toString().endsWith(" \\")) {
                pending.setLength(pending.length() - 2);
            } else {
                out.add(pending.toString());
                pending = null;
            }
        }
        assertTrue(pending == null, CliTree.path(c) + ": the last example ends in a backslash");
        return out;
    }

    /** Splits a shell command line into words: blanks separate, double or single quotes group. */
    static List<String> words(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (char ch : line.toCharArray()) {
            if (quote != 0) {
                if (ch == quote) {
                    quote = 0;
                } else {
                    word.append(ch);
                }
            } else if (ch == '"' || ch == '\'') {
                quote = ch;
                inWord = true;
            } else if (Character.isWhitespace(ch)) {
                if (inWord) {
                    out.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                assertTrue("|<>;&$`".indexOf(ch) < 0, "an example is one plain command line: " + line);
                word.append(ch);
                inWord = true;
            }
        }
        assertEquals(0, quote, "unbalanced quote in: " + line);
        if (inWord) {
            out.add(word.toString());
        }
        return out;
    }

    @Test
    void wordsHonourQuotes() {
        assertEquals(List.of("quorumd", "dispute", "open", "--reason", "goods not delivered", "--amount", "5"),
                words("quorumd dispute open --reason \"goods not delivered\" --amount 5"));
    }

    @Test
    void everyLeafCommandEndsWithExamplesThatParseAsThatCommand() {
        List<CommandLine> leaves = CliTree.leaves(Main.commandLine());
        assertTrue(leaves.size() > 40, "walked the whole tree: " + leaves.size());
        List<String> problems = new ArrayList<>();
        for (CommandLine leaf : leaves) {
            List<String> examples = examples(leaf);
            if (examples.isEmpty() || examples.size() > 3) {
                problems.add(CliTree.path(leaf) + ": " + examples.size() + " examples, want 1 to 3");
            }
            for (String example : examples) {
                List<String> w = words(example);
                try {
                    CommandLine.ParseResult parsed = Main.commandLine().parseArgs(w.subList(1, w.size()).toArray(String[]::new));
                    while (parsed.hasSubcommand()) {
                        parsed = parsed.subcommand();
                    }
                    if (!CliTree.path(parsed.commandSpec().commandLine()).equals(CliTree.path(leaf))) {
                        problems.add(CliTree.path(leaf) + ": example runs " + CliTree.path(parsed.commandSpec().commandLine())
                                + ": " + example);
                    }
                } catch (CommandLine.ParameterException e) {
                    problems.add(CliTree.path(leaf) + ": " + example + " -> " + e.getMessage());
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void aRenamedOptionInAnExampleIsCaught() {
        CommandLine status = Main.commandLine().getSubcommands().get("status");
        assertTrue(examples(status).contains("quorumd status --config /etc/quorumd/quorumd.yaml --json"), examples(status).toString());
        try {
            Main.commandLine().parseArgs("status", "--conf", "/etc/quorumd/quorumd.yaml");
            throw new AssertionError("--conf parsed");
        } catch (CommandLine.UnmatchedArgumentException expected) {
            assertTrue(expected.getMessage().contains("--conf"), expected.getMessage());
        }
    }
}
