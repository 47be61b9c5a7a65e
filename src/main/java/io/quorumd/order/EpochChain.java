package io.quorumd.order;

import com.fasterxml.jackson.databind.JsonNode;
import io.quorumd.wire.OrderCommitted;
import io.quorumd.wire.OrderItem;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The federation states a ledger records, followed from its anchor (DESIGN §12): the first {@code epoch} entry
 * is the anchor; each {@code order} entry's batch executes on the state, in seq order and epoch; each later
 * {@code epoch} entry must be the state so built. Start-up replay and {@code ledger verify --full} follow it alike.
 */
public final class EpochChain {
    private FederationState state;

    /** An {@code epoch} entry's state: the anchor if it is the first, else it must equal the state built so far. */
    public Optional<String> epoch(FederationState recorded) {
        if (state == null) {
            state = recorded.copy();
            return Optional.empty();
        }
        if (!recorded.digest().equals(state.digest())) {
            return Optional.of("epoch entry for epoch " + recorded.epoch() + " does not match the state the order entries"
                    + " before it build (epoch " + state.epoch() + " after seq " + state.lastSeq() + ")");
        }
        return Optional.empty();
    }

    /**
     * An {@code order} entry: the batch must be the next seq of the current epoch; its items with a recorded result
     * ({@code applied}, by request id) execute, the others were requests executed before.
     */
    public Optional<String> order(OrderCommitted c, Set<String> applied) {
        if (state == null) {
            return Optional.of("order entry before the anchor epoch entry");
        }
        if (c.seq() != state.lastSeq() + 1 || c.epoch() != state.epoch()) {
            return Optional.of("order entry for epoch " + c.epoch() + " seq " + c.seq() + " where epoch " + state.epoch()
                    + " seq " + (state.lastSeq() + 1) + " comes next");
        }
        List<OrderItem> fresh = new ArrayList<>();
        for (OrderItem item : c.items()) {
            if (applied.contains(item.requestId())) {
                fresh.add(item);
            }
        }
        state.apply(c.seq(), c.ts(), fresh);
        return Optional.empty();
    }

    /** The request ids an {@code order} entry's results record as executed in its batch. */
    public static Set<String> applied(JsonNode orderEntry) {
        Set<String> applied = new HashSet<>();
        orderEntry.path("results").forEach(r -> applied.add(r.path("requestId").asText()));
        return applied;
    }

    /** The state after the last entry followed; null before the anchor. */
    public FederationState state() {
        return state;
    }
}
