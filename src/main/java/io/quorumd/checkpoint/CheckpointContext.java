package io.quorumd.checkpoint;

import io.quorumd.config.QuorumdConfig.CheckpointSection;
import io.quorumd.crypto.NodeId;
import io.quorumd.loop.Outbox;
import io.quorumd.loop.Scheduler;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Roster;
import io.quorumd.wire.SlotSigner;
import io.quorumd.wire.Topics;
import java.time.Clock;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * Everything the checkpoint parts share: identity, settings, time, and the effect interfaces.
 * {@code ledgerBegan}: when this node's ledger began (its key may have signed before; see the voter).
 */
record CheckpointContext(NodeId self, Roster roster, CheckpointSection settings, long skewMs, Clock clock,
                         Scheduler scheduler, SlotSigner slots, EnvelopeSigner signer, Topics topics, Outbox outbox,
                         CheckpointJournal journal, RunHistory history, CheckpointStore store,
                         LongSupplier onlinePeers, LongSupplier ledgerBegan, Random jitter) {
    long now() {
        return clock.millis();
    }
}
