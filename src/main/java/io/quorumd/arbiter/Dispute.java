package io.quorumd.arbiter;

import io.quorumd.crypto.NodeId;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.DisputeRuling;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One dispute as this node knows it: the signed open, the status (changed only through
 * {@link #moveTo}), the deadline, the counted votes (one per arbiter, the first stands), the fallback
 * activation and the ruling. Loop thread only.
 */
public final class Dispute {
    private final String id;
    private final Envelope open;
    private final DisputeOpen body;
    private DisputeStatus status = DisputeStatus.OPEN;
    private long deadline;
    private final Map<NodeId, Envelope> votes = new LinkedHashMap<>();
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

    void extendDeadline(long ms) {
        deadline += ms;
    }

    public long midpoint(long votingTimeoutMs) {
        return body.openedAt() + votingTimeoutMs / 2;
    }

    public Map<NodeId, Envelope> votes() {
        return Collections.unmodifiableMap(votes);
    }

    /** Null if counted; the earlier vote if this arbiter already voted. */
    Envelope addVote(Envelope vote) {
        return votes.putIfAbsent(vote.from(), vote);
    }

    long count(Decision d) {
        return votes.values().stream().filter(v -> ((DisputeVote) v.body()).decision() == d).count();
    }

    public Optional<Envelope> fallback() {
        return Optional.ofNullable(fallback);
    }

    void activate(Envelope activation) {
        this.fallback = activation;
    }

    public Optional<Decision> decision() {
        return Optional.ofNullable(decision);
    }

    void resolve(Decision d) {
        moveTo(DisputeStatus.RESOLVED);
        decision = d;
    }

    public Optional<DisputeRuling> ruling() {
        return Optional.ofNullable(ruling);
    }

    void setRuling(DisputeRuling r) {
        this.ruling = r;
    }
}
