package io.quorumd.node;

import io.quorumd.crypto.NodeId;
import io.quorumd.pm.Ev;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a node's ticket machine counts beside the core's state, for the operator: per recipient the EV still owed
 * by {@code pm pay} and the tickets and EV sent; per sender the tickets accepted; per winner the request that
 * claims it. All of it is rebuilt from the ledger (the amounts owed from {@code paying} entries less the batches
 * signed after them), so a restarted node pays on what it still owed. Caps: one row per member; claims end with their winner.
 * Loop thread only.
 */
final class PmBook {
    /** What the operator asked to pay one recipient and what went out. */
    static final class Paying {
        Ev owed = Ev.ZERO;
        long ticketsSent;
        Ev evSent = Ev.ZERO;
        String lastError = "";
        int unanswered;
        /** EV sent under params not yet settled, by the time their winners should be settled. */
        final TreeMap<Long, Ev> outstanding = new TreeMap<>();

        /** The EV sent under params whose winners are not settled by {@code now}; drops the older ones. */
        Ev outstanding(long now) {
            outstanding.headMap(now, true).clear();
            return outstanding.values().stream().reduce(Ev.ZERO, Ev::plus);
        }
    }

    private record Claim(String requestId, long at) {
    }

    private final Map<NodeId, Paying> paying = new TreeMap<>();
    private final Map<NodeId, Long> accepted = new TreeMap<>();
    private final Map<String, Claim> claims = new HashMap<>();
    private final Map<String, String> ticketOfRequest = new HashMap<>();
    private final Set<String> warned = new HashSet<>();
    private long lastPaidExpiresAt;

    Paying paying(NodeId to) {
        return paying.computeIfAbsent(to, t -> new Paying());
    }

    Map<NodeId, Paying> payments() {
        return Map.copyOf(paying);
    }

    /** {@code tickets} of EV {@code ev} went to {@code to}; their winners should be settled by {@code settledBy}. */
    void sent(NodeId to, int tickets, Ev ev, long settledBy) {
        Paying p = paying(to);
        p.ticketsSent += tickets;
        p.evSent = p.evSent.plus(ev);
        p.outstanding.merge(settledBy, ev, Ev::plus);
    }

    /** This node paid tickets under params expiring at {@code expiresAt}. */
    void paidUnder(long expiresAt) {
        lastPaidExpiresAt = Math.max(lastPaidExpiresAt, expiresAt);
    }

    /** The latest expiry of params this node paid under (0: none). */
    long lastPaidExpiresAt() {
        return lastPaidExpiresAt;
    }

    void accepted(NodeId from, int tickets) {
        accepted.merge(from, (long) tickets, Long::sum);
    }

    long acceptedFrom(NodeId from) {
        return accepted.getOrDefault(from, 0L);
    }

    /** A claim of {@code ticketId} went out as request {@code requestId} at {@code at}. */
    void claimed(String ticketId, String requestId, long at) {
        claims.put(ticketId, new Claim(requestId, at));
        ticketOfRequest.put(requestId, ticketId); // an earlier claim stays known: whichever executes first settles it
    }

    /**
     * Whether the last claim of {@code ticketId} can still execute: a request older than requestTtl never will (the
     * replicas refuse it), so the winner is claimed again with a new one.
     */
    boolean claimLive(String ticketId, long now, long requestTtlMs) {
        Claim c = claims.get(ticketId);
        return c != null && now - c.at() <= requestTtlMs;
    }

    Optional<String> claimOf(String requestId) {
        return Optional.ofNullable(ticketOfRequest.get(requestId));
    }

    Optional<String> requestOf(String ticketId) {
        return Optional.ofNullable(claims.get(ticketId)).map(Claim::requestId);
    }

    void ended(String ticketId) {
        claims.remove(ticketId);
        ticketOfRequest.values().removeIf(ticketId::equals);
        warned.remove(ticketId);
    }

    /** True the first time a winner is found unredeemable (one WARN per winner). */
    boolean warnedUnredeemable(String ticketId) {
        return warned.add(ticketId);
    }
}
