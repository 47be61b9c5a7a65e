package io.quorumd.pm;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a winning ticket stands at its recipient. Transitions, checked on every change:
 * <pre>
 *   WON ──claim──▶ CLAIMED ──executed ok──▶ SETTLED
 *    │                │ └───executed, refused──▶ REFUSED
 *    └──window closed─┴──window closed──▶ EXPIRED   (payment lost: WARN)
 * </pre>
 * SETTLED, REFUSED and EXPIRED are final. A CLAIMED winner may be claimed again (the same request re-sent) until
 * its window closes. Codes are explicit, never the ordinal.
 */
public enum WinnerState {
    WON("won"), CLAIMED("claimed"), SETTLED("settled"), REFUSED("refused"), EXPIRED("expired");

    private final String code;

    WinnerState(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    /** The state a ledger entry names by its code. */
    public static java.util.Optional<WinnerState> ofCode(String code) {
        return java.util.Arrays.stream(values()).filter(s -> s.code.equals(code)).findFirst();
    }

    public boolean isFinal() {
        return this == SETTLED || this == REFUSED || this == EXPIRED;
    }

    /** Whether its faceValue still counts as pending against the sender's float. */
    public boolean isPending() {
        return this == WON || this == CLAIMED;
    }

    public Set<WinnerState> next() {
        return switch (this) {
            case WON -> EnumSet.of(CLAIMED, EXPIRED);
            case CLAIMED -> EnumSet.of(SETTLED, REFUSED, EXPIRED);
            case SETTLED, REFUSED, EXPIRED -> EnumSet.noneOf(WinnerState.class);
        };
    }

    public boolean canMoveTo(WinnerState to) {
        return next().contains(to);
    }
}
