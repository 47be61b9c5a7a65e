package io.quorumd.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.LedgerEntry;
import io.quorumd.order.EpochChain;
import io.quorumd.order.FederationState;
import io.quorumd.order.Replica;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.JsonFields;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderCommitted;
import io.quorumd.wire.OrderItem;
import io.quorumd.wire.OrderRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Ordering's state rebuilt from the ledger (DESIGN §12, restart): the anchor {@code epoch} entry, then every
 * {@code order} entry re-executed in seq order (each later {@code epoch} entry must match the state they
 * build), the last stable checkpoint and the prepared certificates of the current epoch, the request ids
 * executed within the ttl, and where each batch and stable certificate is in the ledger ({@link OrderHistory}).
 * Anything out of order or contradicting is corruption, named with its seq.
 */
final class OrderReplay {
    private final long requestTtlMs;
    private final EpochChain chain;
    private long base;
    private String baseDigest;
    private Replica.Stable stable;
    private boolean epochUnrecorded;
    private final TreeMap<Long, Replica.Prepared> prepared = new TreeMap<>();
    private final Map<String, Long> executedIds = new LinkedHashMap<>();
    private final java.util.ArrayDeque<ObjectNode> results = new java.util.ArrayDeque<>();
    private final OrderHistory history = new OrderHistory();

    /**
     * {@code chain} is the verifier's, which has already followed each {@code epoch} and {@code order} entry when this
     * sees it: the states are built once.
     */
    OrderReplay(long requestTtlMs, EpochChain chain) {
        this.requestTtlMs = requestTtlMs;
        this.chain = chain;
    }

    static boolean owns(EntryKind kind) {
        return kind == EntryKind.EPOCH || kind == EntryKind.ORDER || kind == EntryKind.ORDER_STABLE
                || kind == EntryKind.ORDER_PREPARED;
    }

    Optional<String> visit(LedgerEntry entry) {
        try {
            return switch (entry.kind()) {
                case EPOCH -> epoch();
                case ORDER -> order(entry.data(), entry.seq());
                case ORDER_STABLE -> stable(entry.data(), entry.seq());
                case ORDER_PREPARED -> prepared(entry.data());
                default -> Optional.empty();
            };
        } catch (DecodeException e) {
            return Optional.of(entry.kind().wireName() + " entry does not parse: " + e.getMessage());
        }
    }

    /** An {@code epoch} entry the chain followed: the first is the anchor. */
    private Optional<String> epoch() {
        if (baseDigest == null) {
            base = chain.state().lastSeq();
            baseDigest = chain.state().digest();
        }
        epochUnrecorded = false;
        return Optional.empty();
    }

    /** An {@code order} entry the chain executed. */
    private Optional<String> order(ObjectNode d, long ledgerSeq) throws DecodeException {
        OrderCommitted c = OrderCommitted.fromJson(d.get("committed"));
        Set<String> applied = EpochChain.applied(d);
        for (JsonNode r : d.path("results")) {
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
        for (OrderItem item : c.items()) {
            if (applied.contains(item.requestId())) {
                executedIds.put(item.requestId(), ((OrderRequest) item.request().body()).requestedAt());
            }
        }
        history.replayed(c.seq(), ledgerSeq);
        if (chain.state().closesEpoch()) {
            base = c.seq();
            baseDigest = chain.state().digest();
            stable = null;
            prepared.clear();
            epochUnrecorded = true; // until its epoch entry follows (a torn tail may have lost it)
        }
        return Optional.empty();
    }

    private Optional<String> stable(ObjectNode d, long ledgerSeq) throws DecodeException {
        JsonFields f = new JsonFields(d, "ostable");
        long epoch = f.nonNegative("epoch");
        long seq = f.nonNegative("seq");
        String digest = f.sha256("stateDigest");
        List<Envelope> cert = f.envelopes("checkpoints", MessageType.ORDER_CHECKPOINT);
        f.done();
        history.stable(seq, cert, ledgerSeq);
        if (anchored() && epoch == state().epoch() && seq > base) {
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
        if (anchored() && epoch == state().epoch()) {
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
        return chain.state() != null;
    }

    FederationState state() {
        return chain.state();
    }

    Replica.Start start() {
        return new Replica.Start(base, baseDigest, state().lastSeq(), state().lastTs());
    }

    Optional<Replica.Stable> stablePoint() {
        return Optional.ofNullable(stable);
    }

    List<Replica.Prepared> preparedCertificates() {
        return List.copyOf(prepared.values());
    }

    /** Request ids executed within the ttl of the last batch (older ones are refused by their ttl anyway). */
    Map<String, Long> executedIds() {
        long cutoff = state().lastTs() - requestTtlMs;
        Map<String, Long> out = new LinkedHashMap<>();
        executedIds.forEach((id, at) -> {
            if (at >= cutoff) {
                out.put(id, at);
            }
        });
        return out;
    }

    /** Where the executed batches are, for serving them to peers; ordering extends it from here on. */
    OrderHistory history() {
        return history;
    }

    /** The results of the last executed requests, oldest first (what {@code federation log} shows). */
    List<ObjectNode> results() {
        return List.copyOf(results);
    }
}
