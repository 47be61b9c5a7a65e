package io.quorumd.arbiter;

import io.quorumd.crypto.NodeId;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.DisputeRuling;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.FallbackActivation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One dispute as this node knows it: the signed open, the status (changed only through {@link #moveTo},
 * which checks {@link DisputeStatus}'s table), the deadline, the votes, the fallback activation and the
 * rulings. Votes: the first of each arbiter ({@link #votes()}), and for an arbiter caught signing the other
 * decision too, that second vote — so that counting is a function of the signed votes held, not of which
 * came first. Every change is checked before it is made, so nothing is half-applied. Loop thread only.
 */
public final class Dispute {
    private final String id;
    private final Envelope open;
    private final DisputeOpen body;
    private DisputeStatus status = DisputeStatus.OPEN;
    private long deadline;
    private final Map<NodeId, Envelope> votes = new LinkedHashMap<>();
    private final Map<NodeId, Envelope> otherVotes = new LinkedHashMap<>();
    /** Each voting member's roster name, with the id whose vote counts for it. */
    private final Map<String, NodeId> votedAs = new HashMap<>();
    private final Set<NodeId> equivocators = new HashSet<>();
    private Envelope fallback;
    private Envelope ruling;
    private Envelope contesting;
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

    /** The first vote of each arbiter. */
    public Map<NodeId, Envelope> votes() {
        return Collections.unmodifiableMap(votes);
    }

    /** Votes for the other decision by arbiters whose first vote is in {@link #votes()}: equivocation. */
    public Map<NodeId, Envelope> otherVotes() {
        return Collections.unmodifiableMap(otherVotes);
    }

    static Decision decisionOf(Envelope vote) {
        return ((DisputeVote) vote.body()).decision();
    }

    /**
     * Counts a vote whose arbiter has not voted yet (the caller checked that); {@code member} is its roster name,
     * which a key rotation keeps (DESIGN §12): the member's votes under a later key are not counted again.
     */
    void addVote(Envelope vote, String member) {
        if (votes.putIfAbsent(vote.from(), vote) != null) {
            throw new IllegalStateException(vote.from().shortHex() + " already voted on " + id);
        }
        votedAs.putIfAbsent(member, vote.from());
    }

    /** True if the member named {@code member} voted here under a key other than {@code id}'s (one it rotated from). */
    boolean votedUnderAnotherKey(String member, NodeId id) {
        NodeId earlier = votedAs.get(member);
        return earlier != null && !earlier.equals(id);
    }

    /**
     * Counts an arbiter's vote for the decision other than its first vote's; false if the vote decides the
     * same as its first (nothing changes) or a second one is held already.
     */
    boolean addOtherVote(Envelope vote) {
        Envelope first = votes.get(vote.from());
        if (first == null) {
            throw new IllegalStateException(vote.from().shortHex() + " has no first vote on " + id);
        }
        return decisionOf(first) != decisionOf(vote) && otherVotes.putIfAbsent(vote.from(), vote) == null;
    }

    /**
     * True the first time {@code arbiter} is caught with a second, different vote here: its evidence is
     * stored once, whatever number of further votes it signs.
     */
    boolean firstEquivocation(NodeId arbiter) {
        return equivocators.add(arbiter);
    }

    /** Arbiters holding a vote for {@code d} signed before {@code at}. */
    long countSignedBefore(Decision d, long at) {
        return votesFor(d).stream().filter(v -> ((DisputeVote) v.body()).votedAt() < at).count();
    }

    /** Arbiters caught signing two different votes here (rebuilt from evidence at replay). */
    public Set<NodeId> equivocators() {
        return Collections.unmodifiableSet(equivocators);
    }

    /** Arbiters holding a vote for {@code d}, an equivocator counting on both sides. */
    long count(Decision d) {
        return votes.values().stream().filter(v -> decisionOf(v) == d).count()
                + otherVotes.values().stream().filter(v -> decisionOf(v) == d).count();
    }

    public Optional<Envelope> fallback() {
        return Optional.ofNullable(fallback);
    }

    /**
     * Offers a party's valid activation. The first moves the deadline by the extension and makes an open
     * dispute FALLBACK (one decided or expired here keeps its status; the activation still counts as a
     * fact); after that the earliest stands — by activatedAt, then content id — so every node holding the
     * same activations holds the same one, whatever order they came in. True if the held one changed.
     */
    boolean offerActivation(Envelope activation, long extensionMs) {
        if (fallback == null) {
            if (status == DisputeStatus.OPEN) {
                moveTo(DisputeStatus.FALLBACK);
            }
            fallback = activation;
            deadline += extensionMs;
            return true;
        }
        if (ACTIVATION_ORDER.compare(activation, fallback) < 0) {
            fallback = activation;
            return true;
        }
        return false;
    }

    /** Earlier activatedAt first, then the smaller content id. */
    static final Comparator<Envelope> ACTIVATION_ORDER = Comparator
            .comparingLong((Envelope e) -> ((FallbackActivation) e.body()).activatedAt()).thenComparing(Envelope::contentId);

    /** The decision in force: RESOLVED's; empty while undecided and once CONTESTED. */
    public Optional<Decision> decision() {
        return Optional.ofNullable(decision);
    }

    void resolve(Decision d) {
        moveTo(DisputeStatus.RESOLVED);
        decision = d;
    }

    /** Both decisions have M agreeing votes: no decision stands. */
    void contest() {
        moveTo(DisputeStatus.CONTESTED);
        decision = null;
    }

    void expire() {
        moveTo(DisputeStatus.EXPIRED);
    }

    private static DisputeRuling body(Envelope ruling) {
        return (DisputeRuling) ruling.body();
    }

    /** The first ruling this node held: built here or received. */
    public Optional<DisputeRuling> ruling() {
        return Optional.ofNullable(ruling).map(Dispute::body);
    }

    /** A valid ruling for the other decision than {@link #ruling()}'s, held once CONTESTED. */
    public Optional<DisputeRuling> contestingRuling() {
        return Optional.ofNullable(contesting).map(Dispute::body);
    }

    /** The signed rulings held, as they arrived or were signed here: what a peer catching up gets. */
    public List<Envelope> rulingEnvelopes() {
        List<Envelope> out = new ArrayList<>();
        if (ruling != null) {
            out.add(ruling);
        }
        if (contesting != null) {
            out.add(contesting);
        }
        return out;
    }

    /** True if a ruling for decision {@code d} is held already. */
    boolean holdsRulingFor(Decision d) {
        return (ruling != null && body(ruling).decision() == d) || (contesting != null && body(contesting).decision() == d);
    }

    /** The votes held for {@code d}, first votes before other-decision ones, in the order they came. */
    List<Envelope> votesFor(Decision d) {
        List<Envelope> out = new ArrayList<>();
        votes.values().stream().filter(v -> decisionOf(v) == d).forEach(out::add);
        otherVotes.values().stream().filter(v -> decisionOf(v) == d).forEach(out::add);
        return out;
    }

    /** The decisions that have {@code required} votes here but no ruling held yet: what this node may publish. */
    List<Decision> unruled(int required) {
        if (status == DisputeStatus.RESOLVED) {
            return count(decision) >= required && !holdsRulingFor(decision) ? List.of(decision) : List.of();
        }
        if (status != DisputeStatus.CONTESTED) {
            return List.of();
        }
        return Arrays.stream(Decision.values()).filter(dec -> count(dec) >= required && !holdsRulingFor(dec))
                .toList();
    }

    /** True if a ruling for {@code r}'s decision could be held here now (checked before one is signed). */
    boolean canHoldOwnRuling(Decision d) {
        return !holdsRulingFor(d) && (status == DisputeStatus.CONTESTED
                || (status == DisputeStatus.RESOLVED && decision == d));
    }

    /** Records a ruling this node built for a decision the votes here support (RESOLVED's, or either side once CONTESTED). */
    void holdOwnRuling(Envelope signed) {
        DisputeRuling r = body(signed);
        if (!canHoldOwnRuling(r.decision())) {
            throw new IllegalStateException("ruling " + r.decision() + " for dispute " + id + " in " + status);
        }
        if (ruling == null) {
            ruling = signed;
        } else {
            contesting = signed;
        }
    }

    /**
     * Applies a valid ruling in one step, whatever this node had concluded (EXPIRED, DEADLOCKED, still open,
     * RESOLVED either way): its fallback activation (extending the deadline once), its votes (as first votes,
     * or as other-decision votes of arbiters who voted otherwise here), then the status the votes now held
     * say — CONTESTED if both decisions have {@code required} votes, RESOLVED with the ruling's decision
     * otherwise. Returns the pairs (vote held here, vote in the ruling) that differ: equivocation evidence.
     */
    List<List<Envelope>> applyRuling(Envelope signed, long extensionMs, int required) {
        DisputeRuling r = body(signed);
        List<List<Envelope>> conflicts = new ArrayList<>();
        r.fallback().ifPresent(a -> offerActivation(a, extensionMs));
        for (Envelope v : r.votes()) {
            Envelope held = votes.putIfAbsent(v.from(), v);
            if (held != null && !held.equals(v)) {
                conflicts.add(List.of(held, v));
                if (decisionOf(held) != decisionOf(v)) {
                    otherVotes.putIfAbsent(v.from(), v);
                }
            }
        }
        if (ruling == null) {
            ruling = signed;
        } else if (body(ruling).decision() != r.decision() && contesting == null) {
            contesting = signed;
        }
        if (count(Decision.BUYER) >= required && count(Decision.SELLER) >= required) {
            if (status != DisputeStatus.CONTESTED) {
                contest();
            }
        } else if (status != DisputeStatus.RESOLVED && status != DisputeStatus.CONTESTED) {
            resolve(r.decision());
        }
        return conflicts;
    }
}
