package io.quorumd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/**
 * The {@code --json} option of a reporting command. With it, stdout gets exactly one JSON document (its
 * fields are listed in docs/cli.md) and nothing else; errors still go to stderr with the usual exit codes.
 */
final class JsonOption {
    @Option(names = "--json", description = "Print one JSON document instead of text (its fields: docs/cli.md).")
    boolean on;

    /** Prints {@code doc} as the one JSON document with --json, else hands it to {@code text}. */
    void print(JsonNode doc, Consumer<JsonNode> text) {
        if (on) {
            System.out.println(doc.toPrettyString());
        } else {
            text.accept(doc);
        }
    }

    /** Prints the daemon's answer, if there is one (see {@link #print}); the call's exit code. */
    int report(DaemonOption.Answer answer, Consumer<JsonNode> text) {
        if (answer.result() != null) {
            print(answer.result(), text);
        }
        return answer.exitCode();
    }
}
