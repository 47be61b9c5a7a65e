package io.quorumd.order;

import io.quorumd.wire.Envelope;
import io.quorumd.wire.OrderItem;
import java.util.List;

/** The ordering machine's records; the node writes these to the ledger and counts them. */
public interface OrderJournal {
    /** A message that changes nothing, with a stable reason code for the stats line and a detail for the log. */
    void refused(String reason, String detail);

    /** Two different messages one replica signed where only one is allowed. */
    void evidence(Envelope first, Envelope second);

    /** A batch executed at {@code seq}, with its commit proof (at least q commits of {@code view}). */
    void executed(long seq, long view, List<OrderItem> items, List<Envelope> commits);

    /** A stable checkpoint whose digest is not this node's own: ordering stops here. */
    void diverged(long seq, String ownDigest, String stableDigest);

    /** This replica signed a view change to {@code view}. */
    void viewChangeStarted(long view);

    /** This replica accepted the new view {@code view} and is back to normal operation. */
    void viewEntered(long view);

    /** q matching checkpoints at {@code seq}: the low watermark moved there. */
    void stable(long seq, String stateDigest);

    /** As {@link #stable(long, String)}, with the q checkpoints (a node keeps them to resume from after a restart). */
    default void stable(long seq, String stateDigest, List<Envelope> certificate) {
        stable(seq, stateDigest);
    }

    /**
     * This replica is about to sign its commit for (view, seq, digest) on these q prepares; a node keeps the
     * certificate durable first, so that after a restart its view-change claims still carry it (PBFT's safety
     * across view changes rests on every replica that prepared claiming it).
     */
    default void prepared(long view, long seq, String digest, List<Envelope> prepares) {
    }

    /**
     * Something arrived that this replica cannot take live because it lags: a committed batch or checkpoint far
     * beyond its window, a message of a later epoch, or a decided seq above the next one it cannot get by fetching.
     * The node may fetch the committed batches from the seq it would execute next (§13 sync, selector {@code order}).
     */
    default void behind() {
    }
}
