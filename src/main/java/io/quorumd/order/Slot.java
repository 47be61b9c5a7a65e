package io.quorumd.order;

import io.quorumd.crypto.NodeId;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderBatch;
import io.quorumd.wire.OrderVote;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One (view, seq) of the log: the accepted digest (from the primary's pre-prepare, or from a new view),
 * the batch once its body is known, and at most one prepare and one commit per replica — a second,
 * different one from the same replica is equivocation, never a second vote.
 */
final class Slot {
    final long view;
    final long seq;
    Envelope preprepare;
    String digest;
    OrderBatch batch;
    boolean commitSent;
    boolean decided;
    final Map<NodeId, Envelope> prepares = new LinkedHashMap<>();
    final Map<NodeId, Envelope> commits = new LinkedHashMap<>();

    Slot(long view, long seq) {
        this.view = view;
        this.seq = seq;
    }

    /** Adds a prepare or commit; the earlier, different vote of the same signer if this one conflicts. */
    static Optional<Envelope> record(Map<NodeId, Envelope> votes, Envelope vote) {
        Envelope earlier = votes.putIfAbsent(vote.from(), vote);
        if (earlier != null && !((OrderVote) earlier.body()).digest().equals(((OrderVote) vote.body()).digest())) {
            return Optional.of(earlier);
        }
        return Optional.empty();
    }

    /** Whether the sender's vote of this kind is held already with the same digest. */
    boolean holds(Envelope vote) {
        Map<NodeId, Envelope> votes = vote.type() == MessageType.ORDER_PREPARE ? prepares : commits;
        Envelope held = votes.get(vote.from());
        return held != null && ((OrderVote) held.body()).digest().equals(((OrderVote) vote.body()).digest());
    }

    static List<Envelope> matching(Map<NodeId, Envelope> votes, String digest) {
        return votes.values().stream().filter(e -> ((OrderVote) e.body()).digest().equals(digest)).toList();
    }

    /**
     * A digest that f + 1 distinct replicas prepared or committed in this slot, whatever this replica accepted,
     * if there is one: at least one correct replica holds the primary's pre-prepare for it, so a fetch for it can
     * be answered (and, if it is not this replica's digest, shows the primary's equivocation). f faulty replicas
     * alone can never make one.
     */
    Optional<String> vouched(ReplicaSet set) {
        for (Map<NodeId, Envelope> votes : List.of(prepares, commits)) {
            for (Envelope e : votes.values()) {
                String d = ((OrderVote) e.body()).digest();
                if (matching(votes, d).size() >= set.f() + 1) {
                    return Optional.of(d);
                }
            }
        }
        return Optional.empty();
    }

    /** Pre-prepare (or new-view choice) plus q matching prepares, the primary's among them. */
    boolean prepared(ReplicaSet set) {
        if (digest == null) {
            return false;
        }
        Envelope primary = prepares.get(set.primary(view));
        return primary != null && ((OrderVote) primary.body()).digest().equals(digest)
                && matching(prepares, digest).size() >= set.q();
    }

    boolean committed(ReplicaSet set) {
        return prepared(set) && matching(commits, digest).size() >= set.q();
    }
}
