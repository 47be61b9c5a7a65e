package io.quorumd.wire;

import java.util.Optional;

/** What a roster member may do. */
public enum Role {
    VOTER("voter"),
    ARBITER("arbiter"),
    FALLBACK_ARBITER("fallback-arbiter"),
    /** Takes part in ordering federation updates (DESIGN §12). */
    REPLICA("replica"),
    /** Attests the off-ledger money behind a {@code pm.fund}: endorses it (DESIGN §14). */
    TREASURER("treasurer");

    private final String code;

    Role(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    public static Optional<Role> ofCode(String code) {
        for (Role r : values()) {
            if (r.code.equals(code)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
