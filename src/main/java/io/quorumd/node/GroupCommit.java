package io.quorumd.node;

import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerException;
import io.quorumd.loop.Outbox;
import io.quorumd.wire.Envelope;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The outbox of one batch of events and its group commit: what the machines publish waits here until the
 * batch's ledger entries are durable (one fsync), then goes out in order. Loop thread only.
 */
final class GroupCommit implements Outbox {
    private record Publication(String topic, Envelope envelope, boolean retained) {
    }

    private record Answer(CompletableFuture<Object> reply, Object result) {
    }

    private final List<Publication> batch = new ArrayList<>();
    private final List<Answer> answers = new ArrayList<>();
    private final CommitTimes commitTimes = new CommitTimes(1024);

    @Override
    public void publish(String topic, Envelope envelope, boolean retained) {
        batch.add(new Publication(topic, envelope, retained));
    }

    /**
     * Holds a control command's answer until the entries of its batch are durable: an OK tells the operator
     * that what the command signed is recorded, so it is never sent before the fsync (and never after a failed one).
     */
    void answer(CompletableFuture<Object> reply, Object result) {
        answers.add(new Answer(reply, result));
    }

    /** Drops what the batch would have published (a failed or silenced node sends nothing) and its answers. */
    void discard(String why) {
        batch.clear();
        refuseAnswers(why);
    }

    private void refuseAnswers(String why) {
        for (Answer a : answers) {
            a.reply().completeExceptionally(new IllegalStateException(why));
        }
        answers.clear();
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
                refuseAnswers("not recorded: " + e.getMessage());
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
        for (Answer a : answers) {
            a.reply().complete(a.result());
        }
        answers.clear();
        return committed;
    }

    long fsyncP99Micros() {
        return commitTimes.p99Micros();
    }
}
