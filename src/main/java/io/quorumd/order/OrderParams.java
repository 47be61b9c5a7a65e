package io.quorumd.order;

import java.time.Duration;

/**
 * Ordering settings (wave2 §13 table). window L bounds how far above the low watermark a sequence number may
 * be (L ≥ 2K so a checkpoint can become stable before the window closes); checkpointEvery K; the view timer
 * starts at viewTimeout and doubles per consecutive view change up to viewTimeoutMax; the primary waits
 * batchDelay to fill a batch of at most maxBatch requests; a batch's ts must be within clockSkew of a
 * replica's clock and a request's requestedAt within requestTtl of its batch; retransmitEvery is how often a
 * replica that made no progress re-publishes what it already signed.
 */
public record OrderParams(int window, int checkpointEvery, Duration viewTimeout, Duration viewTimeoutMax, int maxBatch,
                          Duration batchDelay, Duration clockSkew, Duration requestTtl, Duration retransmitEvery) {
    public static final int MAX_PENDING_PER_MEMBER = 16;

    public OrderParams {
        if (checkpointEvery < 1 || window < 2 * checkpointEvery) {
            throw new IllegalArgumentException("order.window must be at least twice order.checkpointEvery");
        }
        if (maxBatch < 1) {
            throw new IllegalArgumentException("order.maxBatch must be at least 1");
        }
    }

    public static OrderParams defaults() {
        return new OrderParams(8, 4, Duration.ofSeconds(10), Duration.ofMinutes(5), 64, Duration.ofMillis(50),
                Duration.ofSeconds(5), Duration.ofHours(1), Duration.ofSeconds(1));
    }

    /** The view timer after {@code consecutive} view changes without an executed batch in between. */
    public Duration viewTimeoutAfter(int consecutive) {
        Duration t = viewTimeout;
        for (int i = 0; i < consecutive && t.compareTo(viewTimeoutMax) < 0; i++) {
            t = t.multipliedBy(2);
        }
        return t.compareTo(viewTimeoutMax) > 0 ? viewTimeoutMax : t;
    }
}
