package io.quorumd.delivery;

import io.quorumd.crypto.NodeId;
import io.quorumd.wire.Envelope;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One decision this node published and keeps re-publishing — the same bytes, never re-signed — until
 * enough peers acknowledged holding it, or one request it submitted, until a batch holding it executed. Acks live in memory only (after a restart every open tracker starts
 * unconfirmed and goes out once more). Loop thread only.
 */
public final class Tracker {
    private final String id;
    private final String kind;
    private final String topic;
    private final boolean retained;
    private final Envelope envelope;
    private final long createdAt;
    private final long deadline;
    private final Map<NodeId, Long> acks = new LinkedHashMap<>();
    private TrackerState state = TrackerState.PENDING;
    private boolean ackedSinceTick;
    private int misses;
    private int level;
    private int threshold;
    private long confirmedAt = -1;
    private long lastSentAt = -1;
    private int sent;
    private boolean due;
    private String endReason = "";

    Tracker(String id, String kind, String topic, boolean retained, Envelope envelope, long createdAt, int firstThreshold) {
        this(id, kind, topic, retained, envelope, createdAt, firstThreshold, Long.MAX_VALUE);
    }

    /** A tracker that ends EXPIRED at {@code deadline} (a request's: requestedAt + order.requestTtl). */
    Tracker(String id, String kind, String topic, boolean retained, Envelope envelope, long createdAt, int firstThreshold,
            long deadline) {
        this.id = id;
        this.kind = kind;
        this.topic = topic;
        this.retained = retained;
        this.envelope = envelope;
        this.createdAt = createdAt;
        this.deadline = deadline;
        this.threshold = firstThreshold;
    }

    void moveTo(TrackerState next, String reason) {
        if (!state.canMoveTo(next)) {
            throw new IllegalStateException("tracker " + id + " cannot go from " + state + " to " + next);
        }
        state = next;
        if (!next.open()) {
            endReason = reason;
        }
    }

    /** True if this member's ack is new. */
    boolean ack(NodeId member, long at) {
        if (acks.putIfAbsent(member, at) != null) {
            return false;
        }
        ackedSinceTick = true;
        return true;
    }

    /** One tick passed: a missed confirmation unless an ack came; true when the miss count reached the threshold. */
    boolean tick() {
        if (ackedSinceTick) {
            misses = 0;
        } else {
            misses++;
        }
        ackedSinceTick = false;
        return misses >= threshold;
    }

    /** A missed confirmation counted by its owner (a request's: a batch without it); true at the threshold. */
    boolean missed() {
        misses++;
        return misses >= threshold;
    }

    /** Sent again: the next retry needs twice as many missed ticks (the caller passes the capped threshold). */
    void sent(long at, int nextThreshold) {
        lastSentAt = at;
        sent++;
        misses = 0;
        level++;
        threshold = nextThreshold;
        due = false;
    }

    void markDue() {
        due = true;
    }

    void confirmed(long at) {
        confirmedAt = at;
    }

    public String id() {
        return id;
    }

    public String kind() {
        return kind;
    }

    public String topic() {
        return topic;
    }

    public boolean retained() {
        return retained;
    }

    public Envelope envelope() {
        return envelope;
    }

    public long createdAt() {
        return createdAt;
    }

    /** When it expires; {@link Long#MAX_VALUE} for a decision (those expire keepFor after createdAt). */
    public long deadline() {
        return deadline;
    }

    /** Whether it tracks a request this node submitted (with a deadline of its own) rather than a decision. */
    public boolean isRequest() {
        return kind.equals(RequestTrackers.KIND);
    }

    public TrackerState state() {
        return state;
    }

    public Map<NodeId, Long> acks() {
        return Collections.unmodifiableMap(acks);
    }

    public int misses() {
        return misses;
    }

    public int level() {
        return level;
    }

    /** Missed ticks that make the next re-publication due. */
    public int threshold() {
        return threshold;
    }

    public long confirmedAt() {
        return confirmedAt;
    }

    public long lastSentAt() {
        return lastSentAt;
    }

    public int timesSent() {
        return sent;
    }

    public boolean due() {
        return due;
    }

    public String endReason() {
        return endReason;
    }
}
