package io.quorumd.node;

import com.fasterxml.jackson.databind.JsonNode;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.LedgerEntry;
import io.quorumd.pm.TicketBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Replay of the ticket batches of a ledger: this node's own ({@code signed}) and those it took ({@code accepted}). */
final class PmReplay {
    private PmReplay() {
    }

    static Optional<String> batch(NodePayments payments, LedgerEntry entry, TicketBatch batch) {
        if (entry.kind() == EntryKind.SIGNED) {
            payments.replaySent(batch);
        } else if (entry.kind() == EntryKind.ACCEPTED) {
            JsonNode nonces = entry.data().get("nonces");
            if (nonces == null || !nonces.isArray() || nonces.isEmpty()) {
                return Optional.of("accepted ticket batch names no accepted nonces");
            }
            List<Long> taken = new ArrayList<>();
            for (JsonNode n : nonces) {
                if (!n.canConvertToLong() || !n.isIntegralNumber()) {
                    return Optional.of("accepted ticket batch: nonce " + n + " is not an integer");
                }
                taken.add(n.asLong());
            }
            payments.replayAccepted(batch, taken);
        }
        return Optional.empty();
    }
}
