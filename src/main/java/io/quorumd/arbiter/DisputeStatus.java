package io.quorumd.arbiter;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of a dispute. Transitions, checked on every change:
 * <pre>
 *   OPEN ──▶ FALLBACK ──▶ RESOLVED | DEADLOCKED | EXPIRED
 *     └──────────────────▶ RESOLVED | DEADLOCKED | EXPIRED
 * </pre>
 * RESOLVED, DEADLOCKED and EXPIRED are final.
 */
public enum DisputeStatus {
    OPEN, FALLBACK, RESOLVED, DEADLOCKED, EXPIRED;

    public boolean canMoveTo(DisputeStatus next) {
        return allowedFrom(this).contains(next);
    }

    private static Set<DisputeStatus> allowedFrom(DisputeStatus s) {
        return switch (s) {
            case OPEN -> EnumSet.of(FALLBACK, RESOLVED, DEADLOCKED, EXPIRED);
            case FALLBACK -> EnumSet.of(RESOLVED, DEADLOCKED, EXPIRED);
            case RESOLVED, DEADLOCKED, EXPIRED -> EnumSet.noneOf(DisputeStatus.class);
        };
    }

    public boolean active() {
        return this == OPEN || this == FALLBACK;
    }
}
