package io.quorumd.order;

import io.quorumd.crypto.NodeId;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.OrderEndorse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Endorsements a replica holds for roster requests of its epoch, one per (request, member). An endorsement may
 * arrive before its request; each member has at most {@link OrderParams#MAX_PENDING_PER_MEMBER} endorsements
 * held, so no member can fill memory with endorsements of requests that never come. Which endorsements count
 * is {@link RequestRules#endorsement}'s decision, made once the request is known. Loop thread only.
 */
final class Endorsements {
    private final Map<String, Map<NodeId, Envelope>> byRequest = new HashMap<>();
    private final Map<NodeId, Integer> held = new HashMap<>();
    private final Map<Envelope, Boolean> verified = new HashMap<>();
    private final Map<String, Long> lastArrival = new HashMap<>();

    /** Keeps {@code endorse}; the refusal reason code if it is a repeat or its signer holds too many. */
    Optional<String> add(Envelope endorse, long now) {
        String id = ((OrderEndorse) endorse.body()).requestId();
        Map<NodeId, Envelope> forRequest = byRequest.get(id);
        if (forRequest != null && forRequest.containsKey(endorse.from())) {
            return Optional.of("duplicate");
        }
        if (held.getOrDefault(endorse.from(), 0) >= OrderParams.MAX_PENDING_PER_MEMBER) {
            return Optional.of("too_many_pending");
        }
        byRequest.computeIfAbsent(id, k -> new LinkedHashMap<>()).put(endorse.from(), endorse);
        lastArrival.put(id, now);
        held.merge(endorse.from(), 1, Integer::sum);
        return Optional.empty();
    }

    /**
     * The endorsements of {@code request} that count, in node-id order, at most {@code needed} of them (a batch
     * carries what the proof needs and no more); ones that do not count are dropped.
     */
    List<Envelope> counting(ReplicaSet set, Envelope request, int needed) {
        Map<NodeId, Envelope> forRequest = byRequest.get(request.contentId());
        if (forRequest == null || needed == 0) {
            return List.of();
        }
        List<Envelope> out = new ArrayList<>();
        for (Envelope e : List.copyOf(forRequest.values())) {
            if (!verified.computeIfAbsent(e, x -> RequestRules.endorsement(set, request, x).isEmpty())) {
                forRequest.remove(e.from());
                held.merge(e.from(), -1, Integer::sum);
                verified.remove(e);
            } else {
                out.add(e);
            }
        }
        out.sort(Comparator.comparing(e -> e.from().hex()));
        return out.size() > needed ? List.copyOf(out.subList(0, needed)) : List.copyOf(out);
    }

    /** Forgets the endorsements of a request that executed or expired. */
    void drop(String requestId) {
        Map<NodeId, Envelope> gone = byRequest.remove(requestId);
        if (gone != null) {
            gone.keySet().forEach(id -> held.merge(id, -1, Integer::sum));
            gone.values().forEach(verified::remove);
        }
        lastArrival.remove(requestId);
    }

    /**
     * Forgets the endorsements of requests none arrived for since {@code cutoff} (by this node's clock, not the
     * time the signer wrote: a date in the future must not keep anything alive).
     */
    void dropArrivedBefore(long cutoff) {
        List<String> ids = new ArrayList<>();
        lastArrival.forEach((id, at) -> {
            if (at < cutoff) {
                ids.add(id);
            }
        });
        ids.forEach(this::drop);
    }

    /** The endorsements {@code member} signed that are held here. */
    List<Envelope> signedBy(NodeId member) {
        List<Envelope> out = new ArrayList<>();
        byRequest.values().forEach(m -> {
            Envelope e = m.get(member);
            if (e != null) {
                out.add(e);
            }
        });
        return out;
    }
}
