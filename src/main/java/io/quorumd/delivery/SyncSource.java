package io.quorumd.delivery;

import io.quorumd.wire.Envelope;
import java.util.List;
import java.util.OptionalLong;

/**
 * One sync selector on this node: what it serves, from what this node holds (its ledger, replayed) — groups of
 * signed envelopes, each under a key that orders them; a page carries the groups after the cursor — and, for a
 * selector asked by position rather than by time ({@code order}), where this node asks from and when it finds
 * itself behind.
 */
public interface SyncSource {
    /**
     * One decision with what proves it, under its cursor key: lowercase hex, digits and ':', the same length
     * for every group of a selector (so a key followed by '.' and a count sorts between it and the next key).
     */
    record Group(String key, List<Envelope> envelopes) {
    }

    /** Some of the groups to serve, in key order; {@code more}: there are groups after the last one. */
    record Slice(List<Group> groups, boolean more) {
        public Slice {
            groups = List.copyOf(groups);
        }
    }

    /** The groups to serve to a node asking from {@code since} (ms, or a position: see {@link #askFrom}), in key order. */
    List<Group> groups(long since);

    /**
     * The groups to serve from {@code since} whose key is at least {@code fromKey} ({@code ""}: from the first),
     * at most about {@code limit} of them: a source that holds more than a page can cheaply give (one read from
     * disk per group) returns the first ones and says there are more; the server skips what the cursor covers.
     * By default every group of {@link #groups}.
     */
    default Slice slice(long since, String fromKey, int limit) {
        return new Slice(groups(since), false);
    }

    /**
     * For a selector asked by position: the position this node asks from now ({@code order}: its last executed
     * seq + 1), which is also how it sees whether a page moved it on. Empty (the default): asked by time.
     */
    default OptionalLong askFrom() {
        return OptionalLong.empty();
    }

    /**
     * Where an envelope of a page lies in the selector's positions ({@code order}: a committed batch's seq),
     * if it has one.
     */
    default OptionalLong positionOf(Envelope envelope) {
        return OptionalLong.empty();
    }

    /** Gives the source the way to ask a peer for this selector now, for when it sees it is behind. */
    default void whenBehind(Runnable askNow) {
    }
}
