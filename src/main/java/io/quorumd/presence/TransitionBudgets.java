package io.quorumd.presence;

import io.quorumd.crypto.NodeId;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Per peer, how many presence transitions it may still cause: a burst of {@code burst}, refilled by one per
 * {@code everyMs}. A peer signs its own presence, so without this a hostile one could make every node write
 * observations as fast as it can sign. Loop thread.
 */
final class TransitionBudgets {
    private final int burst;
    private final Map<NodeId, long[]> budgets = new HashMap<>();

    TransitionBudgets(int burst) {
        this.burst = burst;
    }

    /** Takes {@code n} transitions from the peer's budget as of {@code now}; false (nothing taken) when it cannot. */
    boolean take(NodeId peer, int n, long now, long everyMs) {
        if (n == 0) {
            return true;
        }
        long[] b = budgets.computeIfAbsent(peer, k -> new long[] {burst, now});
        if (now < b[1]) {
            b[1] = now; // the wall clock stepped back: refill from now, not from a moment still to come
        }
        long refill = (now - b[1]) / everyMs;
        if (refill > 0) {
            b[0] = Math.min(burst, b[0] + refill);
            b[1] += refill * everyMs;
        }
        if (b[0] < n) {
            return false;
        }
        b[0] -= n;
        return true;
    }

    /** Forgets the peers {@code gone} holds for. */
    void forget(Predicate<NodeId> gone) {
        budgets.keySet().removeIf(gone);
    }
}
