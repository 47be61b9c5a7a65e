package io.quorumd.node;

import java.util.Arrays;

/** The most recent commit (write + fsync) durations, for the p99 on the stats line. */
final class CommitTimes {
    private final long[] nanos;
    private int next;
    private int count;

    CommitTimes(int capacity) {
        this.nanos = new long[capacity];
    }

    synchronized void add(long durationNanos) {
        nanos[next] = durationNanos;
        next = (next + 1) % nanos.length;
        count = Math.min(count + 1, nanos.length);
    }

    synchronized long p99Micros() {
        if (count == 0) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
        return sorted[(int) Math.ceil(count * 0.99) - 1] / 1000;
    }
}
