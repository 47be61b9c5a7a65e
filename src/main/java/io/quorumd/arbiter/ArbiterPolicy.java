package io.quorumd.arbiter;

import io.quorumd.config.QuorumdConfig;
import io.quorumd.crypto.NodeId;
import io.quorumd.wire.Member;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Who may rule and how: M required agreeing votes, the primary and fallback arbiters (by node id), the
 * voting period, the fallback extension and the clock-skew allowance. Construction refuses anything
 * paywall's constructor would: M &lt; 2, fewer primaries than M, an arbiter outside the roster, a fallback
 * that is also a primary.
 */
public record ArbiterPolicy(int required, Set<NodeId> primaries, Set<NodeId> fallbacks, long votingTimeoutMs,
                            long fallbackExtensionMs, long skewMs) {
    public ArbiterPolicy {
        primaries = Set.copyOf(primaries);
        fallbacks = Set.copyOf(fallbacks);
        if (required < 2) {
            throw new IllegalArgumentException("arbiter.required must be at least 2, got " + required);
        }
        if (primaries.size() < required) {
            throw new IllegalArgumentException("arbiter.required " + required + " exceeds the " + primaries.size()
                    + " primary arbiters");
        }
        for (NodeId f : fallbacks) {
            if (primaries.contains(f)) {
                throw new IllegalArgumentException("fallback arbiter " + f.shortHex() + " is also a primary arbiter");
            }
        }
        if (votingTimeoutMs <= 0 || fallbackExtensionMs <= 0) {
            throw new IllegalArgumentException("voting timeout and fallback extension must be positive");
        }
    }

    /** The policy of a roster and settings; arbiters are roster members by construction. */
    public static ArbiterPolicy of(Roster roster, int required, long votingTimeoutMs, long fallbackExtensionMs,
                                   long skewMs) {
        Set<NodeId> primaries = new LinkedHashSet<>();
        Set<NodeId> fallbacks = new LinkedHashSet<>();
        for (Member m : roster.members()) {
            if (m.has(Role.ARBITER)) {
                primaries.add(m.nodeId());
            }
            if (m.has(Role.FALLBACK_ARBITER)) {
                fallbacks.add(m.nodeId());
            }
        }
        return new ArbiterPolicy(required, primaries, fallbacks, votingTimeoutMs, fallbackExtensionMs, skewMs);
    }

    public static ArbiterPolicy of(QuorumdConfig c) {
        var a = c.arbiter();
        return of(c.federation().roster(), a.required(), a.votingTimeout().toMillis(), a.fallbackExtension().toMillis(),
                a.clockSkew().toMillis());
    }

    public boolean isArbiter(NodeId id) {
        return primaries.contains(id) || fallbacks.contains(id);
    }
}
