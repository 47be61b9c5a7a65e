package io.quorumd.sim.fuzz;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/** Counts summed over every seed of a run: invariant checks by number, faults injected by kind. */
final class FuzzStats {
    private static final Map<String, AtomicLong> COUNTS = new ConcurrentHashMap<>();

    private FuzzStats() {
    }

    static void add(String what, long n) {
        COUNTS.computeIfAbsent(what, k -> new AtomicLong()).addAndGet(n);
    }

    static void inc(String what) {
        add(what, 1);
    }

    static long get(String what) {
        AtomicLong v = COUNTS.get(what);
        return v == null ? 0 : v.get();
    }

    /** One line: every counter, sorted by name. */
    static String summary() {
        return new TreeMap<>(COUNTS).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue().get())
                .collect(Collectors.joining(" "));
    }
}
