package io.quorumd.order;

import io.quorumd.crypto.NodeId;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.OrderCheckpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Checkpoint votes above the low watermark, one per replica and seq (a second, different one is
 * equivocation), and the stable certificates (q matching) they form. The replica accepts votes only for
 * seq in (h, h + 2L], so this holds at most n · 2L / K votes; everything below h is dropped, h's own
 * certificate is kept for view changes.
 */
final class Checkpoints {
    private final ReplicaSet set;
    private final TreeMap<Long, Map<NodeId, Envelope>> votes = new TreeMap<>();
    private final TreeMap<Long, List<Envelope>> certificates = new TreeMap<>();

    Checkpoints(ReplicaSet set) {
        this.set = set;
    }

    /** Stores a vote; the sender's earlier, different vote for the same seq if this one conflicts. */
    Optional<Envelope> add(Envelope vote) {
        OrderCheckpoint cp = (OrderCheckpoint) vote.body();
        Envelope earlier = votes.computeIfAbsent(cp.seq(), s -> new HashMap<>()).putIfAbsent(vote.from(), vote);
        if (earlier != null && !((OrderCheckpoint) earlier.body()).stateDigest().equals(cp.stateDigest())) {
            return Optional.of(earlier);
        }
        return Optional.empty();
    }

    /** Whether the sender's vote at that seq is held already with this digest. */
    boolean holds(Envelope vote) {
        OrderCheckpoint cp = (OrderCheckpoint) vote.body();
        Envelope held = votes.getOrDefault(cp.seq(), Map.of()).get(vote.from());
        return held != null && ((OrderCheckpoint) held.body()).stateDigest().equals(cp.stateDigest());
    }

    /** The stable certificate at {@code seq} if q votes agree, recorded for later view changes. */
    Optional<List<Envelope>> stableAt(long seq) {
        Map<String, List<Envelope>> byDigest = new HashMap<>();
        for (Envelope e : votes.getOrDefault(seq, Map.of()).values()) {
            byDigest.computeIfAbsent(((OrderCheckpoint) e.body()).stateDigest(), d -> new ArrayList<>()).add(e);
        }
        for (List<Envelope> group : byDigest.values()) {
            if (group.size() >= set.q()) {
                List<Envelope> cert = List.copyOf(group);
                certificates.put(seq, cert);
                return Optional.of(cert);
            }
        }
        return Optional.empty();
    }

    /** A digest other than {@code own} that more than f replicas signed at {@code seq}: one correct replica holds it. */
    Optional<String> heldByMoreThanF(long seq, String own) {
        Map<String, Integer> byDigest = new HashMap<>();
        for (Envelope e : votes.getOrDefault(seq, Map.of()).values()) {
            String d = ((OrderCheckpoint) e.body()).stateDigest();
            if (!d.equals(own) && byDigest.merge(d, 1, Integer::sum) > set.f()) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    void putCertificate(long seq, List<Envelope> cert) {
        certificates.putIfAbsent(seq, List.copyOf(cert));
    }

    /** The certificate held for (seq, stateDigest), if any. */
    Optional<List<Envelope>> certificate(long seq, String stateDigest) {
        List<Envelope> cert = certificates.get(seq);
        if (cert == null || !((OrderCheckpoint) cert.get(0).body()).stateDigest().equals(stateDigest)) {
            return Optional.empty();
        }
        return Optional.of(cert);
    }

    /** Drops votes at or below {@code h} and certificates below it. */
    void dropThrough(long h) {
        votes.headMap(h, true).clear();
        certificates.headMap(h, false).clear();
    }
}
