package io.quorumd.order;

import io.quorumd.wire.OrderItem;
import java.util.List;

/**
 * The replicated state that committed batches change. Applying must be deterministic: every correct replica
 * applies the same items at the same seq and reports the same digest (SHA-256 hex of its canonical state).
 */
public interface OrderState {
    /** Applies the batch's items (requests already executed at a lower seq are left out by the caller). */
    void apply(long seq, long ts, List<OrderItem> items);

    /** Whether the last {@link #apply} changed the roster, closing the epoch at that seq. */
    default boolean closesEpoch() {
        return false;
    }

    /** 64 lowercase hex: SHA-256 of the canonical replicated state as it is now. */
    String digest();
}
