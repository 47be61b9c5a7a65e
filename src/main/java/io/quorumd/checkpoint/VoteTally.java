package io.quorumd.checkpoint;

import io.quorumd.crypto.NodeId;
import io.quorumd.wire.CheckpointTuple;
import io.quorumd.wire.CheckpointVote;
import io.quorumd.wire.Envelope;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The votes for one proposal: one per voter (the first stands), grouped by the full signed tuple. A
 * group that reaches {@code minVoters} is the result; only votes of those the caller still counts (the
 * voters of the roster of the moment) make a group's size. A voter that signs a second, different vote is an
 * equivocator: {@link Added#EQUIVOCATION} once (its evidence is recorded once), {@link Added#REPEATED_EQUIVOCATION}
 * for any further different vote, so one voter cannot make the subject store without bound.
 */
final class VoteTally {
    /** Outcome of adding one vote. */
    enum Added { COUNTED, DUPLICATE, EQUIVOCATION, REPEATED_EQUIVOCATION }

    final String proposalId;
    final Envelope proposal;
    final CheckpointTuple proposed;
    private final Map<NodeId, Envelope> byVoter = new LinkedHashMap<>();
    private final Map<CheckpointTuple, Set<NodeId>> groups = new LinkedHashMap<>();
    private final Set<NodeId> equivocators = new LinkedHashSet<>();

    VoteTally(String proposalId, Envelope proposal, CheckpointTuple proposed) {
        this.proposalId = proposalId;
        this.proposal = proposal;
        this.proposed = proposed;
    }

    Added add(Envelope vote) {
        Envelope earlier = byVoter.putIfAbsent(vote.from(), vote);
        if (earlier != null) {
            if (earlier.equals(vote)) {
                return Added.DUPLICATE;
            }
            return equivocators.add(vote.from()) ? Added.EQUIVOCATION : Added.REPEATED_EQUIVOCATION;
        }
        groups.computeIfAbsent(((CheckpointVote) vote.body()).tuple(), t -> new LinkedHashSet<>()).add(vote.from());
        return Added.COUNTED;
    }

    Envelope voteOf(NodeId voter) {
        return byVoter.get(voter);
    }

    /** The first group with at least {@code minVoters} voters that {@code counts}. */
    Optional<CheckpointTuple> reached(int minVoters, Predicate<NodeId> counts) {
        return groups.entrySet().stream().filter(e -> e.getValue().stream().filter(counts).count() >= minVoters)
                .map(Map.Entry::getKey).findFirst();
    }

    /** The voters of {@code tuple}'s group that {@code counts}. */
    List<NodeId> group(CheckpointTuple tuple, Predicate<NodeId> counts) {
        return groups.getOrDefault(tuple, Set.of()).stream().filter(counts).toList();
    }

    /** Every counted vote's tuple, one per voter that {@code counts}, for round 2's trimmed mean. */
    List<CheckpointTuple> votedTuples(Predicate<NodeId> counts) {
        List<CheckpointTuple> out = new ArrayList<>();
        byVoter.forEach((voter, e) -> {
            if (counts.test(voter)) {
                out.add(((CheckpointVote) e.body()).tuple());
            }
        });
        return out;
    }

    int voters() {
        return byVoter.size();
    }
}
