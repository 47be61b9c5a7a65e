package io.quorumd.bench;

import java.util.Arrays;

/** The order statistics the benchmarks report: medians over rounds and nearest-rank percentiles. */
public final class Stats {
    private Stats() {
    }

    /** The median of {@code values} (the mean of the middle two for an even count); the array is not changed. */
    public static double median(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** The nearest-rank {@code p}-th percentile (0 < p ≤ 100) of ascending {@code sorted}. */
    public static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        int rank = (int) Math.ceil(sorted.length * p / 100.0);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
