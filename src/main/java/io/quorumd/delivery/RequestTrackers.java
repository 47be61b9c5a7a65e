package io.quorumd.delivery;

import io.quorumd.loop.Outbox;
import io.quorumd.order.FederationState;
import io.quorumd.wire.Envelope;
import java.time.Clock;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The responder's trackers of ordered requests this node submitted (DESIGN §13): one per request id,
 * {@code request:<requestId>}, PENDING until a batch that holds it executes — DONE {@code committed at seq N},
 * or DONE {@code refused: <reason>} — or EXPIRED at its deadline (requestedAt + order.requestTtl), with a WARN.
 * A missed confirmation is an executed batch without it, a view entered, or a responder tick during which no
 * batch executed at all; at retryAfterMissed × 2^level misses (the responder's backoff, cap and jitter) the
 * same envelope bytes go out again on {@code order/propose}, within the responder's per-tick budget.
 * Replicas drop a request id they already executed, so re-publishing one too often is harmless.
 * <p>
 * Caps: open trackers are this node's own requests, bounded by what its operator and machines submit within
 * one order.requestTtl (each ends by its deadline at the latest); ended ones are kept for display, the last
 * {@link Responder#FINISHED_KEPT}. Loop thread only.
 */
public final class RequestTrackers {
    private static final Logger LOG = LoggerFactory.getLogger(RequestTrackers.class);
    static final String KIND = "request";
    static final String PREFIX = KIND + ":";

    /** What another machine may ask of a request: whether it is still pushed, and how it ended. */
    public record RequestState(String requestId, TrackerState state, String endReason) {
        public boolean open() {
            return state.open();
        }
    }

    private final Clock clock;
    private final Outbox outbox;
    private final DeliveryJournal journal;
    private final Backoff backoff;
    private final Runnable publishDue;
    private final Map<String, Tracker> open = new LinkedHashMap<>();
    private final Map<String, Tracker> finished = new LinkedHashMap<>() {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Tracker> eldest) {
            return size() > Responder.FINISHED_KEPT;
        }
    };
    private boolean executedSinceTick;

    /** {@code publishDue} asks the responder to publish what is due within its per-tick budget. */
    RequestTrackers(Clock clock, Outbox outbox, DeliveryJournal journal, Backoff backoff, Runnable publishDue) {
        this.clock = clock;
        this.outbox = outbox;
        this.journal = journal;
        this.backoff = backoff;
        this.publishDue = publishDue;
    }

    /**
     * A request this node signed and publishes on {@code topic} in this batch: its tracker, and the {@code track}
     * entry in the same batch. One tracker per request id.
     */
    public void submitted(Envelope request, String topic, long deadline) {
        String id = PREFIX + request.contentId();
        if (open.containsKey(id) || finished.containsKey(id)) {
            return;
        }
        Tracker t = new Tracker(id, KIND, topic, false, request, clock.millis(), backoff.threshold(0), deadline);
        open.put(id, t);
        journal.track(t);
    }

    /** Replay of a {@code track} entry of kind request: open again, with its deadline. */
    public void restore(String id, String topic, Envelope request, long createdAt, long deadline) {
        if (!open.containsKey(id) && !finished.containsKey(id)) {
            open.put(id, new Tracker(id, KIND, topic, false, request, createdAt, backoff.threshold(0), deadline));
        }
    }

    /** Replay of an {@code untrack} entry, or of an executed batch that held the request. */
    void restoreEnd(String id, String reason) {
        Tracker t = open.remove(id);
        if (t != null) {
            t.moveTo(TrackerState.endedBy(reason), reason);
            finished.put(id, t);
        }
    }

    /** Replay of an {@code order} entry: a request it executed ends, should its {@code untrack} entry be missing. */
    public void restoreExecuted(long seq, String requestId, boolean ok, String reason) {
        restoreEnd(PREFIX + requestId, endReason(seq, ok, reason));
    }

    private static String endReason(long seq, boolean ok, String reason) {
        return ok ? "committed at seq " + seq : "refused: " + reason;
    }

    /**
     * A batch executed at {@code seq}: the requests it holds end with their result, every other open request
     * missed a confirmation.
     */
    public void executed(long seq, List<FederationState.Result> results) {
        executedSinceTick = true;
        for (FederationState.Result r : results) {
            Tracker t = open.get(PREFIX + r.requestId());
            if (t != null) {
                end(t, TrackerState.DONE, endReason(seq, r.ok(), r.reason()));
            }
        }
        missedByAll();
    }

    /** The replicas entered a new view: a request the old primary left out is a missed confirmation. */
    public void viewEntered() {
        missedByAll();
    }

    private void missedByAll() {
        boolean due = false;
        for (Tracker t : open.values()) {
            if (t.missed()) {
                t.markDue();
                due = true;
            }
        }
        if (due) {
            publishDue.run();
        }
    }

    /** A responder tick: a miss for each open request if no batch executed since the last tick; expiries. */
    void tick(long now) {
        for (Tracker t : List.copyOf(open.values())) {
            if (now >= t.deadline()) {
                LOG.atWarn().addKeyValue("request", t.id()).addKeyValue("sent", t.timesSent())
                        .addKeyValue("deadline", t.deadline()).log("request expired before a batch executed it");
                end(t, TrackerState.EXPIRED, "expired");
            } else if (!executedSinceTick && t.missed()) {
                t.markDue();
            }
        }
        executedSinceTick = false;
    }

    /** Re-publishes due requests, oldest first, at most {@code budget}; the budget left. */
    int publishDue(int budget, long now) {
        for (Tracker t : open.values()) {
            if (budget <= 0) {
                return budget;
            }
            if (t.due()) {
                outbox.publish(t.topic(), t.envelope(), false);
                t.sent(now, backoff.threshold(t.level() + 1));
                budget--;
                LOG.atDebug().addKeyValue("request", t.id()).addKeyValue("level", t.level()).log("request re-published");
            }
        }
        return budget;
    }

    /** End of boot grace: every open request goes out once more. */
    void markAllDue() {
        open.values().forEach(Tracker::markDue);
    }

    /** The operator gives up on a request; recorded with the reason. */
    void drop(Tracker t, String reason) {
        end(t, TrackerState.DROPPED, "dropped: " + reason);
    }

    private void end(Tracker t, TrackerState state, String reason) {
        t.moveTo(state, reason);
        open.remove(t.id());
        finished.put(t.id(), t);
        journal.untrack(t.id(), reason, 1);
    }

    /** Whether the request with this id ({@link Envelope#contentId()}) is tracked here, and how it stands. */
    public Optional<RequestState> requestState(String requestId) {
        Tracker t = open.getOrDefault(PREFIX + requestId, finished.get(PREFIX + requestId));
        return t == null ? Optional.empty() : Optional.of(new RequestState(requestId, t.state(), t.endReason()));
    }

    Collection<Tracker> open() {
        return open.values();
    }

    Collection<Tracker> finished() {
        return finished.values();
    }

    long pending() {
        return open.size();
    }

    /** The tracker with this id, open or ended. */
    Optional<Tracker> get(String id) {
        return Optional.ofNullable(open.getOrDefault(id, finished.get(id)));
    }
}
