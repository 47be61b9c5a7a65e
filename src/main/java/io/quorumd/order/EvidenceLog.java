package io.quorumd.order;

import io.quorumd.crypto.NodeId;
import java.util.HashSet;
import java.util.Set;

/**
 * Which equivocations this replica already recorded as evidence: at most one record per (signer, kind, view,
 * seq), so a replica that signs a third, fourth, … conflicting message adds only a count. Keys exist only for
 * messages the replica accepted into its window (views from the current one to a few above, seqs in (h, h + 2L]),
 * and are dropped with what they belong to: votes and pre-prepares at or below h or of views below the current
 * one, checkpoints at or below h, view changes of views below the current one.
 */
final class EvidenceLog {
    /** What was signed twice. */
    enum Kind { PREPREPARE, PREPARE, COMMIT, CHECKPOINT, VIEWCHANGE }

    private record Key(NodeId signer, Kind kind, long view, long seq) {
    }

    private final Set<Key> held = new HashSet<>();

    /** True the first time (signer, kind, view, seq) is seen: the caller records that pair, and only that one. */
    boolean first(NodeId signer, Kind kind, long view, long seq) {
        return held.add(new Key(signer, kind, view, seq));
    }

    /** Forgets keys the replica can no longer receive messages for. */
    void prune(long h, long view) {
        held.removeIf(k -> switch (k.kind()) {
            case CHECKPOINT -> k.seq() <= h;
            case VIEWCHANGE -> k.view() < view;
            default -> k.seq() <= h || k.view() < view;
        });
    }

    int size() {
        return held.size();
    }
}
