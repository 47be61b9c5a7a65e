package io.quorumd.presence;

import io.quorumd.crypto.NodeId;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.Heartbeat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Per peer, its last heartbeat's run and seq, and its clock less this node's as of a later heartbeat of the
 * same run (a run's first may be a retained, older one). Written on the loop thread, read from any.
 */
final class PeerClocks {
    /** A peer's clock as one of its heartbeats showed it; {@code offset} only from a heartbeat known to be live. */
    private record Sample(long startedAt, long seq, Optional<Long> offset, long at) {
    }

    private final Map<NodeId, Sample> samples = new ConcurrentHashMap<>();

    /** Takes a sample from a peer's heartbeat received at {@code now}. */
    void sample(Envelope env, Heartbeat hb, long now) {
        Sample prev = samples.get(env.from());
        boolean later = prev != null && prev.startedAt() == hb.startedAt() && hb.seq() > prev.seq();
        if (prev == null || later || hb.startedAt() > prev.startedAt()) {
            samples.put(env.from(), new Sample(hb.startedAt(), hb.seq(),
                    later ? Optional.of(env.ts() - now) : Optional.empty(), now));
        }
    }

    /** The offsets of the peers {@code peer} holds for, sampled within {@code recentMs} of {@code now}, in order. */
    List<Long> offsets(Predicate<NodeId> peer, long now, long recentMs) {
        return samples.entrySet().stream().filter(e -> peer.test(e.getKey())).map(Map.Entry::getValue)
                .filter(c -> c.offset().isPresent() && Math.abs(now - c.at()) <= recentMs)
                .map(c -> c.offset().get()).sorted().toList();
    }

    void forget(Predicate<NodeId> gone) {
        samples.keySet().removeIf(gone);
    }
}
