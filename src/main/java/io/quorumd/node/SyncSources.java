package io.quorumd.node;

import io.quorumd.arbiter.ArbiterMachine;
import io.quorumd.arbiter.Dispute;
import io.quorumd.checkpoint.CheckpointStore;
import io.quorumd.delivery.SyncSource;
import io.quorumd.ledger.Ledger;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.SyncRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What this node serves to a peer catching up, from the state its ledger rebuilt: the latest final of every
 * subject ({@code checkpoints}), and for disputes opened since the requester's time ({@code disputes}) the
 * rulings held, or for a dispute still open its open, activation and votes. Expired or deadlocked disputes
 * are not served: a synced open whose voting period is over is refused (a backdated open that expired at
 * once cannot be told from a real one), so a node away for a dispute's whole voting period does not count
 * it in its reputation table. Group keys are
 * the openedAt, zero-padded, and the dispute id, so every key of a selector has one length and the
 * lexicographic order is time order. With ordering on, {@code order}: the committed batches from a seq
 * ({@link OrderSync}).
 */
final class SyncSources {
    private SyncSources() {
    }

    /** The selectors of a node; {@code arbiter} and {@code ordering} are null while they are off. */
    static Map<String, SyncSource> of(CheckpointStore checkpoints, ArbiterMachine arbiter, NodeOrdering ordering,
                                      Ledger ledger, EnvelopeSigner signer) {
        Map<String, SyncSource> sources = new LinkedHashMap<>();
        sources.put(SyncRequest.CHECKPOINTS, since -> checkpoints.latest().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> new SyncSource.Group(e.getKey().hex(), List.of(e.getValue().envelope()))).toList());
        if (arbiter != null) {
            sources.put(SyncRequest.DISPUTES, since -> disputes(arbiter, since));
        }
        if (ordering != null) {
            sources.put(SyncRequest.ORDER, new OrderSync(ordering.history(), ledger.reader(), ledger::durableSeq, signer,
                    () -> ordering.federation().state().lastSeq() + 1));
        }
        return sources;
    }

    private static List<SyncSource.Group> disputes(ArbiterMachine arbiter, long since) {
        List<SyncSource.Group> out = new ArrayList<>();
        arbiter.disputes().stream().filter(d -> d.body().openedAt() >= since)
                .sorted(Comparator.comparingLong((Dispute d) -> d.body().openedAt()).thenComparing(Dispute::id))
                .forEach(d -> {
                    List<Envelope> envelopes = new ArrayList<>(arbiter.rulingEnvelopes(d.id()));
                    if (envelopes.isEmpty() && d.status().active()) {
                        envelopes.add(d.open());
                        d.fallback().ifPresent(envelopes::add);
                        envelopes.addAll(d.votes().values());
                        envelopes.addAll(d.otherVotes().values());
                    }
                    if (!envelopes.isEmpty()) {
                        out.add(new SyncSource.Group(String.format("%016d:%s", d.body().openedAt(), d.id()), envelopes));
                    }
                });
        return out;
    }
}
