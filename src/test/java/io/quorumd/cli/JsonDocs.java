package io.quorumd.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JSON reference of docs/cli.md as data: per command, the shape of its document and its top-level fields
 * (required, and all of them), plus the commands documented as refused on a lone node.
 */
record JsonDocs(Map<String, Section> sections, Set<String> refusedAlone) {
    static final Path FILE = Path.of("docs", "cli.md");

    /** How a command prints: one object, one array of objects, or JSON lines of objects. */
    enum Shape { OBJECT, ARRAY, LINES }

    record Section(Shape shape, Set<String> required, Set<String> all) {
    }

    private static final Pattern HEADING = Pattern.compile("^### `(quorumd [a-z -]+) --json`$");
    private static final Pattern BULLET = Pattern.compile("^- `(quorumd [a-z -]+) --json`");
    private static final Pattern NAME = Pattern.compile("`([A-Za-z]+)`");

    static JsonDocs read() throws IOException {
        Map<String, Section> sections = new LinkedHashMap<>();
        Set<String> refused = new LinkedHashSet<>();
        String command = null;
        Shape shape = null;
        Set<String> required = null;
        Set<String> all = null;
        for (String line : Files.readAllLines(FILE)) {
            Matcher h = HEADING.matcher(line);
            Matcher b = BULLET.matcher(line);
            if (line.startsWith("### ")) {
                command = h.matches() ? h.group(1) : null;
                shape = null;
                required = new LinkedHashSet<>();
                all = new LinkedHashSet<>();
                if (command != null) {
                    sections.put(command, new Section(null, required, all));
                }
            } else if (b.find()) {
                refused.add(b.group(1));
            } else if (command != null && shape == null && !line.isBlank()) {
                shape = line.startsWith("One object") ? Shape.OBJECT : line.startsWith("An array of objects") ? Shape.ARRAY
                        : line.startsWith("JSON lines") ? Shape.LINES : null;
                if (shape == null) {
                    throw new IllegalStateException(command + ": the paragraph after the heading names no shape: " + line);
                }
                sections.put(command, new Section(shape, required, all));
            } else if (command != null && line.startsWith("| `")) {
                String[] cells = line.split("\\|");
                boolean optional = cells.length > 2 && cells[2].contains("optional");
                Matcher n = NAME.matcher(cells[1]);
                while (n.find()) {
                    all.add(n.group(1));
                    if (!optional) {
                        required.add(n.group(1));
                    }
                }
            }
        }
        return new JsonDocs(sections, refused);
    }
}
