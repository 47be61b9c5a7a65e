package io.quorumd.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.LedgerEntry;
import io.quorumd.order.FederationState;
import io.quorumd.order.Replica;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.JsonFields;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderCommitted;
import io.quorumd.wire.OrderItem;
import io.quorumd.wire.OrderRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Ordering's state rebuilt from the ledger (DESIGN §12, restart): the anchor {@code epoch} entry, then every
 * {@code order} entry re-executed in seq order (each later {@code epoch} entry must match the state they
 * build), the last stable checkpoint and the prepared certificates of the current epoch, and the request ids
 * executed within the ttl. Anything out of order or contradicting is corruption, named with its seq.
 */
final class OrderReplay {
    private final long requestTtlMs;
    private FederationState state;
    private long base;
    private String baseDigest;
    private Replica.Stable stable;
    private boolean epochUnrecorded;
    private final TreeMap<Long, Replica.Prepared> prepared = new TreeMap<>();
    private final Map<String, Long> executedIds = new LinkedHashMap<>();
    private final java.util.ArrayDeque<ObjectNode> results = new java.util.ArrayDeque<>();

    OrderReplay(long requestTtlMs) {
        this.requestTtlMs = requestTtlMs;
    }

    static boolean owns(EntryKind kind) {
        return kind == EntryKind.EPOCH || kind == EntryKind.ORDER || kind == EntryKind.ORDER_STABLE
                || kind == EntryKind.ORDER_PREPARED;
    }

    Optional<String> visit(LedgerEntry entry) {
        try {
            return switch (entry.kind()) {
                case EPOCH -> epoch(entry.data());
                case ORDER -> order(entry.data());
                case ORDER_STABLE -> stable(entry.data());
                case ORDER_PREPARED -> prepared(entry.data());
                default -> Optional.empty();
            };
        } catch (DecodeException e) {
            return Optional.of(entry.kind().wireName() + " entry does not parse: " + e.getMessage());
        }
    }

    private Optional<String> epoch(ObjectNode d) throws DecodeException {
        FederationState recorded = FederationState.fromJson(d.get("state"));
        if (state == null) {
            state = recorded;
            base = recorded.lastSeq();
            baseDigest = recorded.digest();
            return Optional.empty();
        }
        if (!recorded.digest().equals(state.digest())) {
            return Optional.of("epoch entry for epoch " + recorded.epoch() + " does not match the state the order entries"
                    + " before it build (epoch " + state.epoch() + " after seq " + state.lastSeq() + ")");
        }
        epochUnrecorded = false;
        return Optional.empty();
    }

    private Optional<String> order(ObjectNode d) throws DecodeException {
        if (state == null) {
            return Optional.of("order entry before the anchor epoch entry");
        }
        OrderCommitted c = OrderCommitted.fromJson(d.get("committed"));
        if (c.seq() != state.lastSeq() + 1 || c.epoch() != state.epoch()) {
            return Optional.of("order entry for epoch " + c.epoch() + " seq " + c.seq() + " where epoch " + state.epoch()
                    + " seq " + (state.lastSeq() + 1) + " comes next");
        }
        Set<String> applied = new HashSet<>();
        for (JsonNode r : d.withArray("results")) {
            applied.add(r.path("requestId").asText());
            if (r instanceof ObjectNode line) {
                ObjectNode kept = line.deepCopy();
                kept.put("seq", c.seq());
                kept.put("epoch", c.epoch());
                results.addLast(kept);
                if (results.size() > NodeOrdering.LOG_KEPT) {
                    results.removeFirst();
                }
            }
        }
        List<OrderItem> fresh = new ArrayList<>();
        for (OrderItem item : c.items()) {
            if (applied.contains(item.requestId())) {
                fresh.add(item);
                executedIds.put(item.requestId(), ((OrderRequest) item.request().body()).requestedAt());
            }
        }
        state.apply(c.seq(), c.ts(), fresh);
        if (state.closesEpoch()) {
            base = c.seq();
            baseDigest = state.digest();
            stable = null;
            prepared.clear();
            epochUnrecorded = true; // until its epoch entry follows (a torn tail may have lost it)
        }
        return Optional.empty();
    }

    private Optional<String> stable(ObjectNode d) throws DecodeException {
        JsonFields f = new JsonFields(d, "ostable");
        long epoch = f.nonNegative("epoch");
        long seq = f.nonNegative("seq");
        String digest = f.sha256("stateDigest");
        List<Envelope> cert = f.envelopes("checkpoints", MessageType.ORDER_CHECKPOINT);
        f.done();
        if (state != null && epoch == state.epoch() && seq > base) {
            stable = new Replica.Stable(seq, digest, cert);
            prepared.headMap(seq, true).clear();
        }
        return Optional.empty();
    }

    private Optional<String> prepared(ObjectNode d) throws DecodeException {
        JsonFields f = new JsonFields(d, "oprepared");
        long epoch = f.nonNegative("epoch");
        long view = f.nonNegative("view");
        long seq = f.nonNegative("seq");
        String digest = f.sha256("digest");
        List<Envelope> prepares = f.envelopes("prepares", MessageType.ORDER_PREPARE);
        f.done();
        if (state != null && epoch == state.epoch()) {
            prepared.merge(seq, new Replica.Prepared(view, seq, digest, prepares), (a, b) -> a.view() >= b.view() ? a : b);
        }
        return Optional.empty();
    }

    /** The last order entry changed the roster, and the epoch entry recording that change is missing. */
    boolean epochUnrecorded() {
        return epochUnrecorded;
    }

    /** Whether the ledger holds ordering state (an anchor). */
    boolean anchored() {
        return state != null;
    }

    FederationState state() {
        return state;
    }

    Replica.Start start() {
        return new Replica.Start(base, baseDigest, state.lastSeq(), state.lastTs());
    }

    Optional<Replica.Stable> stablePoint() {
        return Optional.ofNullable(stable);
    }

    List<Replica.Prepared> preparedCertificates() {
        return List.copyOf(prepared.values());
    }

    /** Request ids executed within the ttl of the last batch (older ones are refused by their ttl anyway). */
    Map<String, Long> executedIds() {
        long cutoff = state.lastTs() - requestTtlMs;
        Map<String, Long> out = new LinkedHashMap<>();
        executedIds.forEach((id, at) -> {
            if (at >= cutoff) {
                out.put(id, at);
            }
        });
        return out;
    }

    /** The results of the last executed requests, oldest first (what {@code federation log} shows). */
    List<ObjectNode> results() {
        return List.copyOf(results);
    }
}
