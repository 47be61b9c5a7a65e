package io.quorumd.arbiter;

import io.quorumd.config.QuorumdConfig;
import io.quorumd.crypto.NodeId;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.Member;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Who may rule and how, within one roster: the roster itself (parties are looked up in it), M required
 * agreeing votes, the primary and fallback arbiters (by node id), the voting period, the fallback extension,
 * the clock-skew allowance, and how many active disputes one member may have opened. Live input is judged
 * by today's policy; stored history by the policy of the boot entry it was stored under. Construction
 * refuses anything paywall's constructor would: M &lt; 2, fewer primaries than M, an arbiter outside the
 * roster, a fallback that is also a primary.
 */
public record ArbiterPolicy(Roster roster, int required, Set<NodeId> primaries, Set<NodeId> fallbacks,
                            long votingTimeoutMs, long fallbackExtensionMs, long skewMs, int maxOpenPerMember) {
    public static final int DEFAULT_MAX_OPEN_PER_MEMBER = 16;

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
        for (NodeId a : primaries) {
            if (roster.byId(a).isEmpty()) {
                throw new IllegalArgumentException("arbiter " + a.shortHex() + " is not in the roster");
            }
        }
        if (votingTimeoutMs <= 0 || fallbackExtensionMs <= 0 || maxOpenPerMember < 1) {
            throw new IllegalArgumentException("voting timeout, fallback extension and maxOpenPerMember must be positive");
        }
    }

    /** The policy of a roster and settings; arbiters are roster members by construction. */
    public static ArbiterPolicy of(Roster roster, int required, long votingTimeoutMs, long fallbackExtensionMs,
                                   long skewMs, int maxOpenPerMember) {
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
        return new ArbiterPolicy(roster, required, primaries, fallbacks, votingTimeoutMs, fallbackExtensionMs, skewMs,
                maxOpenPerMember);
    }

    /** The policy of the configured roster and settings. */
    public static ArbiterPolicy of(QuorumdConfig c) {
        return of(c.federation().roster(), c);
    }

    /** The policy of {@code roster} (one the federation changed to, say) with the configured settings. */
    public static ArbiterPolicy of(Roster roster, QuorumdConfig c) {
        var a = c.arbiter();
        return of(roster, a.required(), a.votingTimeout().toMillis(), a.fallbackExtension().toMillis(),
                c.federation().clockSkew().toMillis(), a.maxOpenPerMember());
    }

    public boolean isArbiter(NodeId id) {
        return primaries.contains(id) || fallbacks.contains(id);
    }

    /** True if both parties of {@code open} are members of this roster. */
    public boolean partiesKnown(DisputeOpen open) {
        return roster.byId(open.buyer()).isPresent() && roster.byId(open.seller()).isPresent();
    }

    /** True if {@code id} is the buyer's or the seller's node: the only ones who may open or escalate. */
    public static boolean isParty(DisputeOpen open, NodeId id) {
        return open.buyer().equals(id) || open.seller().equals(id);
    }

    public String label(NodeId id) {
        return roster.label(id);
    }
}
