package io.quorumd.config;

/** One thing wrong with a config file, located by its YAML path (e.g. {@code checkpoint.voteWindow}). */
public record ConfigProblem(String path, String message) {
    @Override
    public String toString() {
        return path.isEmpty() ? message : path + ": " + message;
    }
}
