package io.quorumd.delivery;

import io.quorumd.wire.Envelope;
import java.util.List;

/**
 * What one sync selector serves, from what this node holds (its ledger, replayed): groups of original
 * signed envelopes, each under a key that orders them; a page carries the groups after the cursor.
 */
public interface SyncSource {
    /**
     * One decision with what proves it, under its cursor key: lowercase hex, digits and ':', the same length
     * for every group of a selector (so a key followed by '.' and a count sorts between it and the next key).
     */
    record Group(String key, List<Envelope> envelopes) {
    }

    /** The groups to serve to a node asking from {@code since} (ms), in key order. */
    List<Group> groups(long since);
}
