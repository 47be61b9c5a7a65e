package io.quorumd.wire;

/**
 * Why an inbound message was dropped. Each reason has a stable code used in logs and the stats line;
 * codes never change meaning once released.
 */
public enum RejectReason {
    OVERSIZED("oversized"),
    MALFORMED_JSON("malformed_json"),
    MISSING_FIELD("missing_field"),
    UNEXPECTED_FIELD("unexpected_field"),
    WRONG_TYPE("wrong_type"),
    BAD_VALUE("bad_value"),
    UNSUPPORTED_VERSION("unsupported_version"),
    UNKNOWN_TYPE("unknown_type"),
    WRONG_TOPIC("wrong_topic"),
    UNKNOWN_SENDER("unknown_sender"),
    BAD_SIGNATURE("bad_signature"),
    /** Well-typed, but holds what canonical JSON refuses (an integer beyond ±(2^53−1), a lone surrogate). */
    NOT_CANONICAL("not_canonical");

    private final String code;

    RejectReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
