package io.quorumd.arbiter;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of a dispute. Transitions, checked on every change:
 * <pre>
 *   OPEN ──▶ FALLBACK ──▶ RESOLVED | DEADLOCKED | EXPIRED | CONTESTED
 *     └──────────────────▶ RESOLVED | DEADLOCKED | EXPIRED | CONTESTED
 *   DEADLOCKED | EXPIRED ──(M votes signed in time, or a valid ruling)──▶ RESOLVED
 *   EXPIRED ──(votes signed in time that leave no decision able to reach M)──▶ DEADLOCKED
 *   RESOLVED | DEADLOCKED | EXPIRED ──(M agreeing votes for the other decision too)──▶ CONTESTED
 * </pre>
 * Status is a function of the signed facts, not of arrival order: a node that marked a dispute EXPIRED or
 * DEADLOCKED from what it had seen moves it to RESOLVED when a valid ruling arrives, whose M agreeing votes
 * were all signed before the deadline. CONTESTED is what the facts say when both decisions have M agreeing
 * votes — only possible when arbiters equivocated — and every node that holds those facts ends there, in
 * whatever order they came. CONTESTED is final.
 */
public enum DisputeStatus {
    OPEN, FALLBACK, RESOLVED, DEADLOCKED, EXPIRED, CONTESTED;

    public boolean canMoveTo(DisputeStatus next) {
        return allowedFrom(this).contains(next);
    }

    private static Set<DisputeStatus> allowedFrom(DisputeStatus s) {
        return switch (s) {
            case OPEN -> EnumSet.of(FALLBACK, RESOLVED, DEADLOCKED, EXPIRED, CONTESTED);
            case FALLBACK -> EnumSet.of(RESOLVED, DEADLOCKED, EXPIRED, CONTESTED);
            case DEADLOCKED -> EnumSet.of(RESOLVED, CONTESTED);
            case EXPIRED -> EnumSet.of(RESOLVED, DEADLOCKED, CONTESTED);
            case RESOLVED -> EnumSet.of(CONTESTED);
            case CONTESTED -> EnumSet.noneOf(DisputeStatus.class);
        };
    }

    public boolean active() {
        return this == OPEN || this == FALLBACK;
    }
}
