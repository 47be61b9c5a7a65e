package io.quorumd.checkpoint;

import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.Envelope;

/** A validated final as this node keeps it: the body and the envelope it came in. */
public record StoredCheckpoint(CheckpointFinal checkpoint, Envelope envelope) {
    public RunHistory.UptimeBase base() {
        var t = checkpoint.tuple();
        return new RunHistory.UptimeBase(t.asOf(), t.restarts(), t.totalUptime(), t.firstSeen());
    }
}
