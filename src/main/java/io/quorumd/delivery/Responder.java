package io.quorumd.delivery;

import io.quorumd.config.QuorumdConfig.ResponderSection;
import io.quorumd.crypto.NodeId;
import io.quorumd.loop.InboundMessage;
import io.quorumd.loop.Outbox;
import io.quorumd.loop.Scheduler;
import io.quorumd.loop.TimerKey;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Member;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.ResponderAck;
import io.quorumd.wire.Roster;
import io.quorumd.wire.Topics;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The responder (DESIGN §13, teos's responder with peers in place of blocks), without I/O. As a publisher
 * it keeps a {@link Tracker} per decision it published and re-publishes the same bytes until minCopies
 * holders (itself included) acknowledged it: each tick without a new ack is a missed confirmation; at
 * retryAfterMissed × 2^level misses (capped at backoffMax, ±10 % jitter) it goes out again, at most
 * maxPerTick a tick, oldest first; a peer coming online makes what it has not acknowledged due at the next
 * tick. Requests this node submitted to ordering are pushed the same way by {@link RequestTrackers}, until a
 * batch holding them executes.
 * Confirmed trackers end DONE when every member holds the decision or keepFor later; pending ones EXPIRE
 * after keepFor. As a holder it acknowledges every decision it stores or sees again to the decision's
 * publisher, batched for ackDelay, once per decision and publisher per tick.
 * <p>
 * The roster is read anew at each decision (the node swaps snapshots, DESIGN §12): minCopies' default, the
 * holders counted (this node and acknowledging members of the roster of the moment) and "every member"
 * follow it; each tick settles open trackers again, so a roster that changed confirms or completes them.
 * <p>
 * Caps: open trackers are this node's own decisions (bounded by its own activity); ended ones are kept
 * for display, the last {@link #FINISHED_KEPT}; pending acks are flushed every ackDelay. Loop thread only.
 */
public final class Responder {
    private static final Logger LOG = LoggerFactory.getLogger(Responder.class);
    static final int FINISHED_KEPT = 1000;

    /** Time to count missed confirmations and re-publish what is due. */
    public record Tick() implements TimerKey {
    }

    /** Time to send the acknowledgements gathered since the last flush. */
    public record AckFlush() implements TimerKey {
    }

    private final NodeId self;
    private final ResponderSection settings;
    private final Supplier<Roster> roster;
    private final Clock clock;
    private final Scheduler scheduler;
    private final EnvelopeSigner signer;
    private final Topics topics;
    private final Outbox outbox;
    private final DeliveryJournal journal;
    private final Backoff backoff;
    private final RequestTrackers requests;
    private final Map<String, Tracker> open = new LinkedHashMap<>();
    private final Map<String, Tracker> finished = new LinkedHashMap<>() {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Tracker> eldest) {
            return size() > FINISHED_KEPT;
        }
    };
    private final Map<NodeId, Set<String>> pendingAcks = new LinkedHashMap<>();
    private final Set<String> ackedThisTick = new HashSet<>();
    private boolean flushScheduled;
    private int budget;

    /** With the roster of the moment: {@code roster} returns the current immutable snapshot. */
    public Responder(NodeId self, ResponderSection settings, Supplier<Roster> roster, Clock clock, Scheduler scheduler,
                     EnvelopeSigner signer, Topics topics, Outbox outbox, DeliveryJournal journal, Random jitter) {
        this.self = self;
        this.settings = settings;
        this.roster = roster;
        this.clock = clock;
        this.scheduler = scheduler;
        this.signer = signer;
        this.topics = topics;
        this.outbox = outbox;
        this.journal = journal;
        this.backoff = new Backoff(settings, jitter);
        this.budget = settings.maxPerTick();
        this.requests = new RequestTrackers(clock, outbox, journal, backoff, this::publishDue);
    }

    /** The trackers of the ordered requests this node submitted. */
    public RequestTrackers requests() {
        return requests;
    }

    public static boolean owns(TimerKey key) {
        return key instanceof Tick || key instanceof AckFlush;
    }

    public void start() {
        scheduler.schedule(settings.tick(), new Tick());
    }

    /** Holders that confirm a decision, this node included: responder.minCopies, or ⌈2n/3⌉ of the roster. */
    public int minCopies() {
        return settings.minCopies() > 0 ? settings.minCopies() : (2 * roster.get().size() + 2) / 3;
    }

    // ---- publisher ----

    /**
     * Starts tracking a decision this node just stored and is about to publish (its {@code track} entry goes
     * into the same batch). One tracker per decision id: a second trigger joins the first. A newer final of
     * this node's own checkpoint supersedes the trackers of older ones.
     */
    public void track(Envelope decision, String topic, boolean retained) {
        String id = DecisionIds.of(decision).orElseThrow(() -> new IllegalArgumentException(
                "not a decision: " + decision.type().wireName()));
        if (open.containsKey(id) || finished.containsKey(id)) {
            return;
        }
        String kind = kindOf(id);
        if (kind.equals("checkpoint")) {
            for (Tracker older : List.copyOf(open.values())) {
                if (older.kind().equals("checkpoint")) {
                    end(older, TrackerState.DONE, "superseded");
                }
            }
        }
        Tracker t = new Tracker(id, kind, topic, retained, decision, clock.millis(), backoff.threshold(0));
        open.put(id, t);
        journal.track(t);
        settle(t, clock.millis()); // minCopies 1: this node alone confirms it
    }

    private static String kindOf(String id) {
        return id.substring(0, id.indexOf(':'));
    }

    /** Replay of a {@code track} entry: the tracker again, with no acks (it goes out once more at boot). */
    public void restore(String id, String topic, boolean retained, Envelope decision, long createdAt) {
        if (!open.containsKey(id) && !finished.containsKey(id)) {
            open.put(id, new Tracker(id, kindOf(id), topic, retained, decision, createdAt, backoff.threshold(0)));
        }
    }

    /**
     * Replay of a decision entry this node signed: its tracker, should the {@code track} entry that follows
     * it in the same batch be missing (a crash between the two writes) — unless it is older than keepFor.
     * For a checkpoint final, older checkpoint trackers restored the same way are superseded.
     */
    public void restoreFromDecision(Envelope decision, String topic, boolean retained, long storedAt) {
        Optional<String> id = DecisionIds.of(decision);
        if (id.isEmpty() || open.containsKey(id.get()) || finished.containsKey(id.get())
                || clock.millis() - storedAt >= settings.keepFor().toMillis()) {
            return;
        }
        if (kindOf(id.get()).equals("checkpoint")) {
            for (Tracker older : List.copyOf(open.values())) {
                if (older.kind().equals("checkpoint") && older.createdAt() <= storedAt) {
                    restoreEnd(older.id(), "superseded");
                }
            }
        }
        restore(id.get(), topic, retained, decision, storedAt);
    }

    /** Replay of an {@code untrack} entry. */
    public void restoreEnd(String id, String reason) {
        requests.restoreEnd(id, reason);
        Tracker t = open.remove(id);
        if (t != null) {
            t.moveTo(TrackerState.endedBy(reason), reason);
            finished.put(id, t);
        }
    }

    /** End of boot grace: acks were not kept across the restart, so every open tracker goes out once more. */
    public void bootGraceOver() {
        open.values().forEach(Tracker::markDue);
        requests.markAllDue();
        publishDue();
    }

    /**
     * A peer came online or restarted: what it has not acknowledged is due, and goes out at the next tick —
     * once for all the peers that came in the meantime (a restarting node sees every peer come online). Not
     * more often than the tracker's own retry period (retryAfterMissed ticks while pending, its backoff once
     * confirmed), so a member that "restarts" every tick cannot keep old decisions going out.
     */
    public void peerOnline(NodeId peer) {
        long now = clock.millis();
        for (Tracker t : open.values()) {
            long quietTicks = t.state() == TrackerState.PENDING ? settings.retryAfterMissed() : t.threshold();
            long last = t.lastSentAt() < 0 ? t.createdAt() : t.lastSentAt();
            if (!t.acks().containsKey(peer) && now - last >= quietTicks * settings.tick().toMillis()) {
                t.markDue();
            }
        }
    }

    public void onAck(InboundMessage m) {
        ResponderAck ack = (ResponderAck) m.envelope().body();
        NodeId from = m.envelope().from();
        if (!ack.to().equals(self) || from.equals(self)) {
            journal.rejected("wrong_ack", "an ack from " + roster.get().label(from) + " addressed to "
                    + ack.to().shortHex());
            return;
        }
        long now = clock.millis();
        for (String id : ack.ids()) {
            Tracker t = open.get(id);
            if (t != null && t.ack(from, now)) {
                settle(t, now);
            }
        }
    }

    /** Holders known: this node and the members of the current roster that acknowledged. */
    private int copies(Tracker t) {
        return 1 + (int) t.acks().keySet().stream().filter(id -> roster.get().byId(id).isPresent()).count();
    }

    private void settle(Tracker t, long now) {
        int copies = copies(t);
        if (t.state() == TrackerState.PENDING && copies >= minCopies()) {
            t.moveTo(TrackerState.CONFIRMED, "");
            t.confirmed(now);
            LOG.atInfo().addKeyValue("decision", t.id()).addKeyValue("copies", copies).log("decision confirmed by peers");
        }
        if (t.state() == TrackerState.CONFIRMED && missing(t).isEmpty()) {
            end(t, TrackerState.DONE, "held by every member");
        }
    }

    private void end(Tracker t, TrackerState state, String reason) {
        t.moveTo(state, reason);
        open.remove(t.id());
        finished.put(t.id(), t);
        journal.untrack(t.id(), reason, copies(t));
    }

    private void onTick() {
        long now = clock.millis();
        ackedThisTick.clear();
        budget = settings.maxPerTick();
        long keepFor = settings.keepFor().toMillis();
        for (Tracker t : List.copyOf(open.values())) {
            settle(t, now); // the roster may have changed since the last ack
            if (!t.state().open()) {
                continue;
            }
            if (t.state() == TrackerState.PENDING && now - t.createdAt() >= keepFor) {
                LOG.atWarn().addKeyValue("decision", t.id()).addKeyValue("copies", copies(t))
                        .addKeyValue("min_copies", minCopies()).addKeyValue("sent", t.timesSent())
                        .log("decision expired before enough peers confirmed holding it");
                end(t, TrackerState.EXPIRED, "expired");
            } else if (t.state() == TrackerState.CONFIRMED && now - t.confirmedAt() >= keepFor) {
                end(t, TrackerState.DONE, "kept for " + settings.keepFor());
            } else if (t.state() == TrackerState.PENDING && t.tick()) {
                t.markDue();
            }
        }
        requests.tick(now);
        publishDue();
        scheduler.schedule(settings.tick(), new Tick());
    }

    /**
     * Re-publishes due trackers, those not yet confirmed first (decisions, then requests), oldest first within
     * each state, at most the tick's budget; the rest stay due.
     */
    private void publishDue() {
        long now = clock.millis();
        for (TrackerState state : List.of(TrackerState.PENDING, TrackerState.CONFIRMED)) {
            budget = state == TrackerState.CONFIRMED ? requests.publishDue(budget, now) : budget;
            for (Tracker t : open.values()) {
                if (!t.due() || t.state() != state) {
                    continue;
                }
                if (budget <= 0) {
                    return;
                }
                outbox.publish(t.topic(), t.envelope(), t.retained());
                t.sent(now, backoff.threshold(t.level() + 1));
                budget--;
                LOG.atDebug().addKeyValue("decision", t.id()).addKeyValue("level", t.level()).log("decision re-published");
            }
        }
    }

    // ---- holder ----

    /**
     * This node holds {@code decision} (stored now, or seen again): acknowledge it to its publisher, once per
     * decision and publisher per tick. Called after the decision's ledger entry was appended in this batch;
     * the flush publishes after a later commit.
     */
    public void held(Envelope decision) {
        NodeId publisher = decision.from();
        Optional<String> id = DecisionIds.of(decision);
        if (publisher.equals(self) || id.isEmpty() || roster.get().byId(publisher).isEmpty()
                || !ackedThisTick.add(publisher.hex() + "|" + id.get())) {
            return;
        }
        pendingAcks.computeIfAbsent(publisher, p -> new LinkedHashSet<>()).add(id.get());
        if (!flushScheduled) {
            flushScheduled = true;
            scheduler.schedule(settings.ackDelay(), new AckFlush());
        }
    }

    private void flushAcks() {
        flushScheduled = false;
        pendingAcks.forEach((publisher, ids) -> {
            List<String> all = new ArrayList<>(ids);
            for (int i = 0; i < all.size(); i += ResponderAck.MAX_IDS) {
                List<String> chunk = all.subList(i, Math.min(all.size(), i + ResponderAck.MAX_IDS));
                outbox.publish(topics.responderAck(publisher), signer.sign(MessageType.RESPONDER_ACK,
                        new ResponderAck(publisher, 0, chunk)), false);
            }
        });
        pendingAcks.clear();
    }

    public void onTimer(TimerKey key) {
        if (key instanceof Tick) {
            onTick();
        } else if (key instanceof AckFlush) {
            flushAcks();
        }
    }

    // ---- views and commands ----

    /** Open trackers, then ended ones, oldest first. */
    public Collection<Tracker> trackers() {
        List<Tracker> all = new ArrayList<>(open.values());
        all.addAll(requests.open());
        all.addAll(finished.values());
        all.addAll(requests.finished());
        return all;
    }

    public long pending() {
        return open.values().stream().filter(t -> t.state() == TrackerState.PENDING).count() + requests.pending();
    }

    /** The tracker with this id, or the only one whose id contains {@code fragment}. */
    public Optional<Tracker> find(String fragment) {
        Tracker exact = open.getOrDefault(fragment, finished.getOrDefault(fragment, requests.get(fragment).orElse(null)));
        if (exact != null) {
            return Optional.of(exact);
        }
        List<Tracker> matches = trackers().stream().filter(t -> t.id().contains(fragment)).toList();
        return matches.size() == 1 ? Optional.of(matches.get(0)) : Optional.empty();
    }

    /** The operator's "retry": the decision goes out now (within the tick's budget). */
    public void retry(Tracker t) {
        if (!t.state().open()) {
            throw new IllegalArgumentException("tracker " + t.id() + " is " + t.state());
        }
        t.markDue();
        publishDue();
    }

    /** The operator gives up on a decision; recorded with the reason. */
    public void drop(Tracker t, String reason) {
        if (!t.state().open()) {
            throw new IllegalArgumentException("tracker " + t.id() + " is " + t.state());
        }
        if (t.isRequest()) {
            requests.drop(t, reason);
        } else {
            end(t, TrackerState.DROPPED, "dropped: " + reason);
        }
    }

    /** Members of the current roster, other than this node, that have not acknowledged {@code t}. */
    public List<NodeId> missing(Tracker t) {
        return t.isRequest() ? List.of() : roster.get().members().stream().map(Member::nodeId)
                .filter(id -> !id.equals(self) && !t.acks().containsKey(id)).toList();
    }
}
