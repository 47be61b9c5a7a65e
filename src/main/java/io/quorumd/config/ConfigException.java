package io.quorumd.config;

import java.util.List;
import java.util.stream.Collectors;

/** A config that cannot be used, with every problem found (not only the first). */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient List<ConfigProblem> problems;

    public ConfigException(String file, List<ConfigProblem> problems) {
        super(file + " has " + problems.size() + (problems.size() == 1 ? " problem" : " problems") + ":\n"
                + problems.stream().map(p -> "  " + p).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() {
        return problems;
    }
}
