package io.quorumd.cli;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** The leaf commands of {@code quorumd} (those without subcommands), in the order help lists them. */
final class CliTree {
    private CliTree() {
    }

    static List<CommandLine> leaves(CommandLine root) {
        List<CommandLine> out = new ArrayList<>();
        collect(root, out, new IdentityHashMap<>());
        return out;
    }

    private static void collect(CommandLine c, List<CommandLine> out, Map<CommandLine, Boolean> seen) {
        if (seen.put(c, Boolean.TRUE) != null) {
            return; // an alias of a command already walked
        }
        if (c.getSubcommands().isEmpty()) {
            out.add(c);
            return;
        }
        c.getSubcommands().values().forEach(sub -> collect(sub, out, seen));
    }

    /** The command line that names {@code c}, e.g. {@code quorumd pm balance}. */
    static String path(CommandLine c) {
        return c.getCommandSpec().qualifiedName();
    }
}
