package io.quorumd.arbiter;

import io.quorumd.crypto.NodeId;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * paywall's arbiter reputation, keyed by node id: consensusRate = agreeing / decisions (0.5 with none),
 * participationRate = decisions / (decisions + non-participations) (1.0 with none), responseBonus =
 * 10 · (1 − hours / 24) when the mean response (open → vote, from the signed times) is at most 24 h, else
 * 0, and 0 for an arbiter that never voted (no votes, no response time: a fresh arbiter scores 55); score = clamp(0, 100, 70 · consensus + 20 · participation + bonus). A decision is a vote on a dispute
 * that was ruled; it agrees if it matches the ruling. A non-participation is a primary that did not vote
 * on a dispute that expired.
 */
public final class Reputation {
    /** One arbiter's line. */
    public record Score(NodeId arbiter, long decisions, long agreeing, long nonParticipations,
                        OptionalDouble meanResponseHours, double score) {
    }

    private Reputation() {
    }

    /** The score; {@code meanResponseHours} is empty for an arbiter that never voted. */
    public static double score(long decisions, long agreeing, long nonParticipations, OptionalDouble meanResponseHours) {
        double consensus = decisions == 0 ? 0.5 : (double) agreeing / decisions;
        double participation = decisions + nonParticipations == 0 ? 1.0
                : (double) decisions / (decisions + nonParticipations);
        double hours = meanResponseHours.orElse(Double.POSITIVE_INFINITY);
        double bonus = hours <= 24 ? 10 * (1 - hours / 24) : 0;
        return Math.max(0, Math.min(100, 70 * consensus + 20 * participation + bonus));
    }

    public static Map<NodeId, Score> of(Collection<Dispute> disputes, ArbiterPolicy policy) {
        return of(disputes, policy, UnaryOperator.identity());
    }

    /**
     * With key rotations (DESIGN §12): {@code current} maps a signer's id to the member's id today, so the votes
     * an arbiter cast under its old key count for it under the new one.
     */
    public static Map<NodeId, Score> of(Collection<Dispute> disputes, ArbiterPolicy policy, UnaryOperator<NodeId> current) {
        Map<NodeId, long[]> tally = new TreeMap<>(); // decisions, agreeing, nonParticipations, responseMsSum, votes
        for (NodeId a : policy.primaries()) {
            tally.put(a, new long[5]);
        }
        for (NodeId a : policy.fallbacks()) {
            tally.put(a, new long[5]);
        }
        for (Dispute d : disputes) {
            Set<NodeId> voted = new HashSet<>();
            for (Envelope v : d.votes().values()) {
                voted.add(current.apply(v.from()));
                long[] t = tally.computeIfAbsent(current.apply(v.from()), k -> new long[5]);
                boolean equivocated = d.equivocators().contains(v.from()) || d.otherVotes().containsKey(v.from());
                if (!equivocated) { // an equivocator's response time depends on which vote came first: not counted
                    t[3] += Math.max(0, ((DisputeVote) v.body()).votedAt() - d.body().openedAt());
                    t[4]++;
                }
                if (d.status() == DisputeStatus.RESOLVED) {
                    t[0]++;
                    if (!equivocated && d.decision().orElseThrow() == ((DisputeVote) v.body()).decision()) {
                        t[1]++;
                    }
                }
            }
            if (d.status() == DisputeStatus.EXPIRED) {
                for (NodeId p : policy.primaries()) {
                    if (!voted.contains(p)) {
                        tally.get(p)[2]++;
                    }
                }
            }
        }
        Map<NodeId, Score> out = new TreeMap<>();
        tally.forEach((a, t) -> {
            OptionalDouble hours = t[4] == 0 ? OptionalDouble.empty() : OptionalDouble.of(t[3] / (double) t[4] / 3_600_000.0);
            out.put(a, new Score(a, t[0], t[1], t[2], hours, score(t[0], t[1], t[2], hours)));
        });
        return out;
    }
}
