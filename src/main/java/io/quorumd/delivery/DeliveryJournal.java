package io.quorumd.delivery;

import io.quorumd.loop.Journal;

/** What the responder asks the node to record: its trackers' start and end, as ledger entries. */
public interface DeliveryJournal extends Journal {
    /** A {@code track} entry, in the same batch as the decision, so it is durable before the first publish. */
    void track(Tracker tracker);

    /** An {@code untrack} entry: the tracker ended for {@code reason} with {@code copies} holders known. */
    void untrack(String decisionId, String reason, int copies);
}
