package io.quorumd.arbiter;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of a dispute. Transitions, checked on every change:
 * <pre>
 *   OPEN ──▶ FALLBACK ──▶ RESOLVED | DEADLOCKED | EXPIRED
 *     └──────────────────▶ RESOLVED | DEADLOCKED | EXPIRED
 *   DEADLOCKED | EXPIRED ──(a valid ruling)──▶ RESOLVED
 * </pre>
 * Status is a function of the signed facts, not of arrival order: a node that marked a dispute EXPIRED or
 * DEADLOCKED from what it had seen moves it to RESOLVED when a valid ruling arrives, whose M agreeing votes
 * were all signed before the deadline. RESOLVED is final.
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
            case DEADLOCKED, EXPIRED -> EnumSet.of(RESOLVED);
            case RESOLVED -> EnumSet.noneOf(DisputeStatus.class);
        };
    }

    public boolean active() {
        return this == OPEN || this == FALLBACK;
    }
}
