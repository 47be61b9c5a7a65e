package io.quorumd.delivery;

import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.DisputeRuling;
import io.quorumd.wire.Envelope;
import java.util.Locale;
import java.util.Optional;

/**
 * The id of a decision, the same on every node that holds it whoever published it: {@code checkpoint:<id>}
 * for a final checkpoint, {@code ruling:<disputeId>:<buyer|seller>} for a ruling (a CONTESTED dispute has
 * one for each side). Trackers and acknowledgements are keyed by it.
 */
public final class DecisionIds {
    private DecisionIds() {
    }

    public static Optional<String> of(Envelope decision) {
        if (decision.body() instanceof CheckpointFinal f) {
            return Optional.of("checkpoint:" + f.checkpointId());
        }
        if (decision.body() instanceof DisputeRuling r) {
            return Optional.of("ruling:" + r.disputeId() + ":" + r.decision().code().toLowerCase(Locale.ROOT));
        }
        return Optional.empty();
    }
}
