package io.quorumd.delivery;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of a tracker. Transitions, checked on every change:
 * <pre>
 *   PENDING ──(minCopies holders)──▶ CONFIRMED ──(every member holds it, or keepFor)──▶ DONE
 *      │                                  └──(superseded, dropped)──▶ DONE | DROPPED
 *      └──(keepFor without minCopies)──▶ EXPIRED;  (superseded)──▶ DONE;  (operator)──▶ DROPPED
 * </pre>
 * A request's tracker is never CONFIRMED: PENDING ──(a batch holding it executed, ok or refused)──▶ DONE,
 * (its deadline)──▶ EXPIRED, (operator)──▶ DROPPED. DONE, EXPIRED and DROPPED are final.
 */
public enum TrackerState {
    PENDING, CONFIRMED, DONE, EXPIRED, DROPPED;

    boolean canMoveTo(TrackerState next) {
        return allowedFrom(this).contains(next);
    }

    private static Set<TrackerState> allowedFrom(TrackerState s) {
        return switch (s) {
            case PENDING -> EnumSet.of(CONFIRMED, DONE, EXPIRED, DROPPED);
            case CONFIRMED -> EnumSet.of(DONE, DROPPED);
            case DONE, EXPIRED, DROPPED -> EnumSet.noneOf(TrackerState.class);
        };
    }

    public boolean open() {
        return this == PENDING || this == CONFIRMED;
    }

    /** The final state an {@code untrack} reason names: expired…, dropped…, anything else DONE. */
    static TrackerState endedBy(String reason) {
        return reason.startsWith("expired") ? EXPIRED : reason.startsWith("dropped") ? DROPPED : DONE;
    }
}
