package io.quorumd.arbiter;

import io.quorumd.loop.InboundMessage;
import io.quorumd.wire.DisputeVote;
import java.util.ArrayList;
import java.util.List;

/** Votes that arrived before their dispute's open: kept for a bounded time and number, then counted or dropped. */
final class VoteBuffer {
    private record Waiting(InboundMessage vote, long since) {
    }

    private final int max;
    private final long keepMs;
    private final List<Waiting> waiting = new ArrayList<>();

    VoteBuffer(int max, long keepMs) {
        this.max = max;
        this.keepMs = keepMs;
    }

    /** False when full. */
    boolean add(InboundMessage vote, long now) {
        if (waiting.size() >= max) {
            return false;
        }
        waiting.add(new Waiting(vote, now));
        return true;
    }

    List<InboundMessage> takeFor(String disputeId) {
        List<Waiting> ready = waiting.stream()
                .filter(w -> ((DisputeVote) w.vote().envelope().body()).disputeId().equals(disputeId)).toList();
        waiting.removeAll(ready);
        return ready.stream().map(Waiting::vote).toList();
    }

    List<InboundMessage> dropOlderThan(long now) {
        List<Waiting> old = waiting.stream().filter(w -> now - w.since() > keepMs).toList();
        waiting.removeAll(old);
        return old.stream().map(Waiting::vote).toList();
    }
}
