package io.quorumd.wire;

/** Bytes that are not a well-formed message of a known type; carries the enumerated reason. */
public final class DecodeException extends Exception {
    private static final long serialVersionUID = 1L;
    private final RejectReason reason;

    public DecodeException(RejectReason reason, String detail) {
        super(detail);
        this.reason = reason;
    }

    public RejectReason reason() {
        return reason;
    }
}
