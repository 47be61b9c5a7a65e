package io.quorumd.checkpoint;

import io.quorumd.crypto.NodeId;
import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.Envelope;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The latest valid checkpoint of each subject, and the ids of every checkpoint stored. Writes on the loop
 * thread only; {@link #latest()} may be read from any thread.
 */
public final class CheckpointStore {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);

    /**
     * Which of two valid finals of one subject is its latest: by asOf, then round, then checkpoint id — a
     * total order on the signed facts, so every node holding the same finals agrees whatever their arrival
     * order (a subject can get valid finals for round 1 and round 2 of one asOf).
     */
    static final Comparator<CheckpointFinal> NEWER = Comparator.comparingLong((CheckpointFinal c) -> c.tuple().asOf())
            .thenComparingInt(c -> c.tuple().round()).thenComparing(CheckpointFinal::checkpointId);

    private final Map<NodeId, StoredCheckpoint> latest = new ConcurrentHashMap<>();
    private final Set<String> known = new HashSet<>();
    private final RunHistory history;

    public CheckpointStore(RunHistory history) {
        this.history = history;
    }

    public boolean knows(String checkpointId) {
        return known.contains(checkpointId);
    }

    /** Keeps a validated final; true if it is now the subject's latest. Logs a chain gap if its predecessor is unknown. */
    boolean keep(CheckpointFinal f, Envelope envelope) {
        if (!known.add(f.checkpointId())) {
            return false;
        }
        String previous = f.tuple().previousCheckpointId();
        if (!previous.isEmpty() && !known.contains(previous)) {
            LOG.atInfo().addKeyValue("subject", f.tuple().subjectId().substring(0, 8)).addKeyValue("previous", previous)
                    .addKeyValue("checkpoint", f.checkpointId()).log("checkpoint chain gap: previous checkpoint unknown here");
        }
        NodeId subject = new NodeId(f.tuple().subjectId());
        StoredCheckpoint current = latest.get(subject);
        if (current != null && NEWER.compare(current.checkpoint(), f) >= 0) {
            return false;
        }
        latest.put(subject, new StoredCheckpoint(f, envelope));
        history.forgetBefore(subject, f.tuple().asOf());
        return true;
    }

    /** A final from the ledger, verified before replay (by the rules in force when it was stored). */
    public void restore(CheckpointFinal f, Envelope envelope) {
        keep(f, envelope);
    }

    public Optional<StoredCheckpoint> latest(NodeId subject) {
        return Optional.ofNullable(latest.get(subject));
    }

    public Map<NodeId, StoredCheckpoint> latest() {
        return Map.copyOf(latest);
    }

    RunHistory.UptimeBase base(NodeId subject) {
        StoredCheckpoint s = latest.get(subject);
        return s == null ? null : s.base();
    }

    String latestId(NodeId subject) {
        StoredCheckpoint s = latest.get(subject);
        return s == null ? "" : s.checkpoint().checkpointId();
    }
}
