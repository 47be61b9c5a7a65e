package io.quorumd.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.NodeId;
import io.quorumd.pm.TicketBatch;
import io.quorumd.wire.DecodeException;
import java.util.Optional;

/** Replay of the ticket batches of a ledger: this node's own ({@code signed}) and the tickets it took ({@code tickets}). */
final class PmReplay {
    private PmReplay() {
    }

    /** A {@code tickets} entry {topic, sender, batch}. */
    static Optional<String> taken(NodePayments payments, ObjectNode data) {
        JsonNode batch = data.get("batch");
        if (batch == null || !batch.isObject()) {
            return Optional.of("tickets entry holds no batch");
        }
        try {
            NodeId sender = new NodeId(data.path("sender").asText());
            payments.replayAccepted(TicketBatch.parse((ObjectNode) batch.deepCopy(), sender));
            return Optional.empty();
        } catch (DecodeException | IllegalArgumentException e) {
            return Optional.of("tickets entry: " + e.getMessage());
        }
    }
}
