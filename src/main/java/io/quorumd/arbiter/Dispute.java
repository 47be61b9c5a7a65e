package io.quorumd.arbiter;

import io.quorumd.crypto.NodeId;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.DisputeRuling;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One dispute as this node knows it: the signed open, the status (changed only through {@link #moveTo},
 * which checks {@link DisputeStatus}'s table), the deadline, the counted votes (one per arbiter, the first
 * stands), the fallback activation and the ruling. Every change is checked before it is made, so nothing
 * is half-applied. Loop thread only.
 */
public final class Dispute {
    private final String id;
    private final Envelope open;
    private final DisputeOpen body;
    private DisputeStatus status = DisputeStatus.OPEN;
    private long deadline;
    private final Map<NodeId, Envelope> votes = new LinkedHashMap<>();
    private final Set<NodeId> equivocators = new HashSet<>();
    private Envelope fallback;
    private DisputeRuling ruling;
    private Decision decision;

    Dispute(Envelope open, long votingTimeoutMs) {
        this.open = open;
        this.body = (DisputeOpen) open.body();
        this.id = body.disputeId();
        this.deadline = body.openedAt() + votingTimeoutMs;
    }

    void moveTo(DisputeStatus next) {
        if (!status.canMoveTo(next)) {
            throw new IllegalStateException("dispute " + id + " cannot go from " + status + " to " + next);
        }
        status = next;
    }

    public String id() {
        return id;
    }

    public Envelope open() {
        return open;
    }

    public DisputeOpen body() {
        return body;
    }

    public DisputeStatus status() {
        return status;
    }

    public long deadline() {
        return deadline;
    }

    public long midpoint(long votingTimeoutMs) {
        return body.openedAt() + votingTimeoutMs / 2;
    }

    public Map<NodeId, Envelope> votes() {
        return Collections.unmodifiableMap(votes);
    }

    /** Counts a vote whose arbiter has not voted yet (the caller checked that). */
    void addVote(Envelope vote) {
        if (votes.putIfAbsent(vote.from(), vote) != null) {
            throw new IllegalStateException(vote.from().shortHex() + " already voted on " + id);
        }
    }

    /**
     * True the first time {@code arbiter} is caught with a second, different vote here: its evidence is
     * stored once, whatever number of further votes it signs.
     */
    boolean firstEquivocation(NodeId arbiter) {
        return equivocators.add(arbiter);
    }

    long count(Decision d) {
        return votes.values().stream().filter(v -> ((DisputeVote) v.body()).decision() == d).count();
    }

    public Optional<Envelope> fallback() {
        return Optional.ofNullable(fallback);
    }

    /** A party's accepted activation: FALLBACK, and the deadline moves by the extension. */
    void activate(Envelope activation, long extensionMs) {
        moveTo(DisputeStatus.FALLBACK);
        fallback = activation;
        deadline += extensionMs;
    }

    public Optional<Decision> decision() {
        return Optional.ofNullable(decision);
    }

    void resolve(Decision d) {
        moveTo(DisputeStatus.RESOLVED);
        decision = d;
    }

    void expire() {
        moveTo(DisputeStatus.EXPIRED);
    }

    public Optional<DisputeRuling> ruling() {
        return Optional.ofNullable(ruling);
    }

    /** Records the ruling this node built and published for its own RESOLVED decision. */
    void setRuling(DisputeRuling r) {
        if (status != DisputeStatus.RESOLVED || decision != r.decision()) {
            throw new IllegalStateException("ruling " + r.decision() + " for dispute " + id + " in " + status);
        }
        ruling = r;
    }

    /**
     * Applies a valid ruling in one step, whatever this node had concluded (EXPIRED, DEADLOCKED, still
     * open): its fallback activation (extending the deadline once), its votes where the arbiter had no
     * other vote here, RESOLVED with its decision. The caller has checked that no other decision is in
     * force. Returns the pairs (vote held here, vote in the ruling) that differ: equivocation evidence.
     */
    List<List<Envelope>> applyRuling(DisputeRuling r, long extensionMs) {
        if (decision != null && decision != r.decision()) {
            throw new IllegalStateException("dispute " + id + " is resolved " + decision + ", not " + r.decision());
        }
        List<List<Envelope>> conflicts = new ArrayList<>();
        for (Envelope v : r.votes()) {
            Envelope held = votes.get(v.from());
            if (held != null && !held.equals(v)) {
                conflicts.add(List.of(held, v));
            }
        }
        if (fallback == null && r.fallback().isPresent()) {
            fallback = r.fallback().get();
            deadline += extensionMs;
        }
        r.votes().forEach(v -> votes.putIfAbsent(v.from(), v));
        if (status != DisputeStatus.RESOLVED) {
            moveTo(DisputeStatus.RESOLVED);
            decision = r.decision();
        }
        ruling = r;
        return conflicts;
    }
}
