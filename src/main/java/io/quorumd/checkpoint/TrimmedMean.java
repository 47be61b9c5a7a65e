package io.quorumd.checkpoint;

import java.util.ArrayList;
import java.util.List;

/**
 * nara's robust average for round 2: take the median m; keep values in [m/5, 5m] when m > 0, [5m, m/5]
 * when m < 0, [-10, 10] when m = 0; return the integer mean of those kept, or m if none are. An empty
 * input gives 0. The median of an even count is the lower middle value's and upper's integer mean.
 */
public final class TrimmedMean {
    private TrimmedMean() {
    }

    public static long of(List<Long> values) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        long m = n % 2 == 1 ? sorted.get(n / 2) : Math.floorDiv(sorted.get(n / 2 - 1) + sorted.get(n / 2), 2);
        long lo;
        long hi;
        if (m > 0) {
            lo = m / 5;
            hi = m * 5;
        } else if (m < 0) {
            lo = m * 5;
            hi = m / 5;
        } else {
            lo = -10;
            hi = 10;
        }
        long sum = 0;
        int kept = 0;
        for (long v : sorted) {
            if (v >= lo && v <= hi) {
                sum += v;
                kept++;
            }
        }
        return kept == 0 ? m : Math.floorDiv(sum, kept);
    }
}
