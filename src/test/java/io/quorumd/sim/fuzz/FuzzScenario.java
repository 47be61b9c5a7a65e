package io.quorumd.sim.fuzz;

import io.quorumd.sim.SimFederation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * What one seed draws before the run: the federation's size, arbiter roles, which members are byzantine,
 * the network's loss, duplication and delay, and each node's wall-clock offset. Timings are shorter than
 * {@code federation init --fast}'s, so that a seed covers several checkpoint and dispute lifetimes in little
 * virtual time: heartbeat 1 s, offlineAfter 4 s, checkpoint interval 10 s, checkEvery 1 s, voteWindow 2 s,
 * bootGrace 2 s, minVoters min(5, N−1) as --fast; arbitration votingTimeout 10 s, fallbackExtension 5 s.
 */
record FuzzScenario(long seed, int nodes, int faulty, List<Integer> byzantine, int primaries, int required,
                    int fallbacks, double loss, double duplicate, long maxDelayMs, long[] clockOffsets) {
    static final Duration SKEW = Duration.ofSeconds(2);
    static final Duration HEARTBEAT = Duration.ofSeconds(1);
    static final Duration OFFLINE_AFTER = Duration.ofSeconds(4);
    static final Duration INTERVAL = Duration.ofSeconds(10);
    static final Duration CHECK_EVERY = Duration.ofSeconds(1);
    static final Duration VOTE_WINDOW = Duration.ofSeconds(2);
    static final Duration BOOT_GRACE = Duration.ofSeconds(2);
    static final Duration VOTING_TIMEOUT = Duration.ofSeconds(10);
    static final Duration FALLBACK_EXTENSION = Duration.ofSeconds(5);

    static FuzzScenario draw(long seed) {
        Random r = new Random(seed * 0x9E3779B97F4A7C15L + 17);
        int n = 4 + r.nextInt(4);
        int f = Math.max(1, (n - 1) / 3);
        int bad = r.nextInt(f + 1);
        List<Integer> all = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            all.add(i);
        }
        java.util.Collections.shuffle(all, r);
        List<Integer> byz = List.copyOf(all.subList(0, bad).stream().sorted().toList());
        int primaries = n >= 6 ? 4 : 3;
        int required = primaries / 2 + 1;
        int fallbacks = n - primaries >= 2 ? 1 : 0;
        double loss = r.nextInt(4) == 0 ? 0 : r.nextDouble() * 0.2;
        double dup = r.nextDouble() * 0.1;
        long delay = 5 + r.nextInt(300);
        long[] offsets = new long[n];
        for (int i = 0; i < n; i++) {
            offsets[i] = (long) ((r.nextDouble() - 0.5) * SKEW.toMillis() * 0.8); // pairwise within the skew
        }
        return new FuzzScenario(seed, n, f, byz, primaries, required, fallbacks, loss, dup, delay, offsets);
    }

    SimFederation.Options options() {
        return new SimFederation.Options(nodes, Math.min(5, nodes - 1), HEARTBEAT, OFFLINE_AFTER, INTERVAL, CHECK_EVERY,
                VOTE_WINDOW, Duration.ZERO, BOOT_GRACE, new SimFederation.Arbiters(primaries, required, fallbacks,
                VOTING_TIMEOUT, FALLBACK_EXTENSION)).withClockSkew(SKEW)
                .withYaml("responder:\n  tick: 1s\n  retryAfterMissed: 1\n  ackDelay: 500ms\n  backoffMax: 2s\n");
    }

    boolean honest(int oneBased) {
        return !byzantine.contains(oneBased);
    }

    @Override
    public String toString() {
        return "n=" + nodes + " byzantine=" + byzantine + " arbiters=" + primaries + "+" + fallbacks + " M=" + required
                + String.format(" loss=%.3f dup=%.3f delay<=%dms", loss, duplicate, maxDelayMs);
    }
}
