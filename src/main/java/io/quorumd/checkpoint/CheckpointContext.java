package io.quorumd.checkpoint;

import io.quorumd.config.QuorumdConfig.CheckpointSection;
import io.quorumd.crypto.NodeId;
import io.quorumd.loop.Outbox;
import io.quorumd.loop.Scheduler;
import io.quorumd.loop.VoteGuard;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Roster;
import io.quorumd.wire.SlotSigner;
import io.quorumd.wire.Topics;
import java.time.Clock;
import java.util.Random;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Everything the checkpoint parts share: identity, settings, time, and the effect interfaces.
 * {@code rosterSource}: the current roster snapshot, swapped by the node on a roster change (DESIGN §12);
 * {@code guard}: whether this node may vote on a proposal of a given asOf (DESIGN §13).
 */
record CheckpointContext(NodeId self, Supplier<Roster> rosterSource, CheckpointSection settings, long skewMs, Clock clock,
                         Scheduler scheduler, SlotSigner slots, EnvelopeSigner signer, Topics topics, Outbox outbox,
                         CheckpointJournal journal, RunHistory history, CheckpointStore store,
                         LongSupplier onlinePeers, VoteGuard guard, Random jitter) {
    /** The roster of the moment: every decision reads it anew. */
    Roster roster() {
        return rosterSource.get();
    }

    long now() {
        return clock.millis();
    }
}
