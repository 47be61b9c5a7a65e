package io.quorumd.presence;

import io.quorumd.crypto.NodeId;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * When each peer last went offline, and the latest offline notice taken from it: its run and signing time. A notice carries no sequence
 * number, and a last will is signed once for a whole run, so once the broker has published a peer's will
 * every member holds a copy; a notice no newer than the one already taken for that run is a copy and may not
 * take the peer offline again after it was heard alive (a repeat of the same will on a second drop leaves the
 * peer to go silent instead, dated at its last heartbeat all the same). Loop thread.
 */
final class OfflineNotices {
    private final Map<NodeId, long[]> taken = new HashMap<>();
    /** When each peer last went offline here, by whatever cause (as its transition is dated). */
    private final Map<NodeId, Long> left = new HashMap<>();

    /** True if a notice of {@code run} signed at {@code ts} is no newer than one already taken from the peer. */
    boolean copy(NodeId peer, long run, long ts) {
        long[] t = taken.get(peer);
        return t != null && t[0] == run && ts <= t[1];
    }

    void took(NodeId peer, long run, long ts) {
        taken.put(peer, new long[] {run, ts});
    }

    void left(NodeId peer, long at) {
        left.put(peer, at);
    }

    /** When the peer last went offline here, or {@code otherwise}. */
    long leftAt(NodeId peer, long otherwise) {
        return left.getOrDefault(peer, otherwise);
    }

    void forget(Predicate<NodeId> gone) {
        taken.keySet().removeIf(gone);
        left.keySet().removeIf(gone);
    }
}
