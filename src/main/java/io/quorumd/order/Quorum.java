package io.quorumd.order;

/**
 * The one quorum rule of ordering (DESIGN §12): n replicas tolerate f = ⌊(n−1)/3⌋ faulty ones and every
 * certificate needs q = ⌈2n/3⌉ distinct replicas. Two q-sets of n replicas share at least 2q − n ≥ f + 1
 * replicas, so they share a correct one for every n (2f + 1 alone is unsafe for n = 5: two sets of 3 share one).
 */
public final class Quorum {
    /** Ordering needs at least this many replicas. */
    public static final int MIN_REPLICAS = 4;

    private Quorum() {
    }

    public static int q(int n) {
        return (2 * n + 2) / 3;
    }

    public static int f(int n) {
        return (n - 1) / 3;
    }
}
