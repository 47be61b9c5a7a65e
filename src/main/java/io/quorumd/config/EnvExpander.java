package io.quorumd.config;

import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Expands {@code ${NAME}} and {@code ${NAME:-default}} in config strings from the environment. */
final class EnvExpander {
    private static final Pattern REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");
    private final Function<String, String> env;

    EnvExpander(Function<String, String> env) {
        this.env = env;
    }

    /** The expanded text; throws IllegalArgumentException naming an unset variable without a default. */
    String expand(String text) {
        Matcher m = REF.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = env.apply(m.group(1));
            if (value == null) {
                value = m.group(2);
            }
            if (value == null) {
                throw new IllegalArgumentException("environment variable " + m.group(1) + " is not set");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    static boolean hasReference(String text) {
        return REF.matcher(text).find();
    }
}
