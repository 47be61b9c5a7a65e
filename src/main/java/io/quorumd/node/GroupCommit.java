package io.quorumd.node;

import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerException;
import io.quorumd.loop.Outbox;
import io.quorumd.wire.Envelope;
import java.util.ArrayList;
import java.util.List;

/**
 * The outbox of one batch of events and its group commit: what the machines publish waits here until the
 * batch's ledger entries are durable (one fsync), then goes out in order. Loop thread only.
 */
final class GroupCommit implements Outbox {
    private record Publication(String topic, Envelope envelope, boolean retained) {
    }

    private final List<Publication> batch = new ArrayList<>();
    private final CommitTimes commitTimes = new CommitTimes(1024);

    @Override
    public void publish(String topic, Envelope envelope, boolean retained) {
        batch.add(new Publication(topic, envelope, retained));
    }

    /** Drops what the batch would have published (a failed or silenced node sends nothing). */
    void discard() {
        batch.clear();
    }

    /**
     * Makes the ledger's pending entries durable, then publishes the batch; true if entries were committed.
     * A failing commit throws, and nothing of the batch goes out.
     */
    boolean commitAndPublish(Ledger ledger, Publisher publisher, NodeMetrics metrics) throws LedgerException {
        boolean committed = false;
        if (ledger.hasPending()) {
            long t0 = System.nanoTime();
            try {
                ledger.commit();
            } catch (LedgerException | RuntimeException e) {
                batch.clear();
                throw e;
            }
            commitTimes.add(System.nanoTime() - t0);
            committed = true;
        }
        for (Publication p : batch) {
            publisher.publish(p.topic(), p.envelope(), p.retained());
            metrics.sent();
        }
        batch.clear();
        return committed;
    }

    long fsyncP99Micros() {
        return commitTimes.p99Micros();
    }
}
