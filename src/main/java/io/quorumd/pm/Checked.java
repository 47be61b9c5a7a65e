package io.quorumd.pm;

import java.util.Optional;

/** A value, or the refusal that stopped it: the answer of a pure rule that may say no. */
public record Checked<T>(T value, PmRefusal refusal) {
    public Checked {
        if ((value == null) == (refusal == null)) {
            throw new IllegalArgumentException("exactly one of value and refusal");
        }
    }

    public static <T> Checked<T> ok(T value) {
        return new Checked<>(value, null);
    }

    public static <T> Checked<T> refused(PmCode code, String detail) {
        return new Checked<>(null, new PmRefusal(code, detail));
    }

    public boolean isOk() {
        return value != null;
    }

    /** The value; throws IllegalStateException if refused (a caller that did not look). */
    public T get() {
        if (value == null) {
            throw new IllegalStateException("refused: " + refusal);
        }
        return value;
    }

    public Optional<PmRefusal> refusalIfAny() {
        return Optional.ofNullable(refusal);
    }
}
