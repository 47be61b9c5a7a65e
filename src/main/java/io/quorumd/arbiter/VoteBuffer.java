package io.quorumd.arbiter;

import io.quorumd.crypto.NodeId;
import io.quorumd.loop.InboundMessage;
import io.quorumd.wire.DisputeVote;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Votes that arrived before what makes them count — their dispute's open, or for a fallback arbiter the
 * activation — kept for {@code keepMs}, then judged again when it arrives, or dropped. One vote per (arbiter,
 * dispute, decision): a replayed copy of an arbiter's vote takes no second place, so nobody can fill an
 * honest arbiter's share with its own captured votes, while an equivocator's vote for the other decision
 * is kept to be counted like any other. Caps: {@code max} votes in all and {@code perSender} from one
 * arbiter; the machine buffers votes from arbiters only. Pruned by {@link #dropOlderThan}.
 */
final class VoteBuffer {
    /** Outcome of {@link #add}. */
    enum Added { BUFFERED, HELD_ALREADY, FULL, SENDER_FULL }

    private record Waiting(InboundMessage vote, long since) {
    }

    private final int max;
    private final int perSender;
    private final long keepMs;
    private final List<Waiting> waiting = new ArrayList<>();
    private final Map<NodeId, Integer> bySender = new HashMap<>();

    VoteBuffer(int max, int perSender, long keepMs) {
        this.max = max;
        this.perSender = perSender;
        this.keepMs = keepMs;
    }

    Added add(InboundMessage vote, long now) {
        NodeId from = vote.envelope().from();
        DisputeVote body = (DisputeVote) vote.envelope().body();
        if (waiting.stream().anyMatch(w -> w.vote().envelope().from().equals(from)
                && ((DisputeVote) w.vote().envelope().body()).disputeId().equals(body.disputeId())
                && ((DisputeVote) w.vote().envelope().body()).decision() == body.decision())) {
            return Added.HELD_ALREADY;
        }
        if (bySender.getOrDefault(from, 0) >= perSender) {
            return Added.SENDER_FULL;
        }
        if (waiting.size() >= max) {
            return Added.FULL;
        }
        waiting.add(new Waiting(vote, now));
        bySender.merge(from, 1, Integer::sum);
        return Added.BUFFERED;
    }

    List<InboundMessage> takeFor(String disputeId) {
        return take(waiting.stream()
                .filter(w -> ((DisputeVote) w.vote().envelope().body()).disputeId().equals(disputeId)).toList());
    }

    List<InboundMessage> dropOlderThan(long now) {
        return take(waiting.stream().filter(w -> now - w.since() > keepMs).toList());
    }

    int size() {
        return waiting.size();
    }

    private List<InboundMessage> take(List<Waiting> out) {
        waiting.removeAll(out);
        for (Waiting w : out) {
            bySender.computeIfPresent(w.vote().envelope().from(), (k, n) -> n == 1 ? null : n - 1);
        }
        return out.stream().map(Waiting::vote).toList();
    }
}
