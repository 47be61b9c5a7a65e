package io.quorumd.pm;

/** A refusal: the stable code that is counted and recorded, and a detail for the one log line. */
public record PmRefusal(PmCode code, String detail) {
    @Override
    public String toString() {
        return code.code() + ": " + detail;
    }
}
