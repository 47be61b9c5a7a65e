package io.quorumd.order;

import io.quorumd.crypto.NodeId;
import io.quorumd.loop.Outbox;
import io.quorumd.loop.Scheduler;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.OrderBatch;
import io.quorumd.wire.OrderRequest;
import io.quorumd.wire.SlotSigner;
import io.quorumd.wire.Topics;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The state one {@link Replica} shares among its parts ({@link NormalCase}, {@link Proposer},
 * {@link ViewChangeDriver}, {@link CheckpointDriver}, {@link CatchUp}), touched on the loop thread only.
 * Invariants: h ≤ lastExecuted; the slot log and the prepared certificates hold only seqs above h;
 * {@code decided} only seqs above lastExecuted; {@code executed} only the last 2L executed; {@code pending} at
 * most {@link OrderParams#MAX_PENDING_PER_MEMBER} requests per member, each with ttl left (expired ones are
 * dropped on the retransmit tick and before the view timer acts); once {@code halted}, no input changes anything.
 */
final class ReplicaContext {
    /** A committed seq waiting for (or done with) execution; {@code batch} is null until its body is known. */
    record Decided(long view, String digest, OrderBatch batch, List<Envelope> commits) {
    }

    /** The highest-view prepared certificate this replica holds for one seq. */
    record PreparedCert(long view, String digest, List<Envelope> prepares) {
    }

    final NodeId self;
    final ReplicaSet set;
    final long epoch;
    final OrderParams params;
    final Clock clock;
    final Scheduler scheduler;
    final SlotSigner signer;
    final Outbox outbox;
    final Topics topics;
    final OrderJournal journal;
    final OrderState state;
    /** Not a replica of this epoch: follows committed batches and signs nothing. */
    final boolean passive;
    /** Where this epoch's ordering starts: the seq executed last before it, and the state digest there. */
    final long base;
    final String baseDigest;

    final SlotLog log = new SlotLog();
    final ViewChanges viewChanges;
    final Checkpoints checkpoints;
    final EvidenceLog evidence = new EvidenceLog();
    final LinkedHashMap<String, Envelope> pending = new LinkedHashMap<>();
    final Map<String, Long> executedIds = new HashMap<>();
    private final TreeMap<Long, List<String>> executedByRequestedAt = new TreeMap<>();
    final Map<String, Long> assigned = new HashMap<>();
    final Map<String, Envelope> bodies = new HashMap<>();
    final TreeMap<Long, PreparedCert> bestPrepared = new TreeMap<>();
    final TreeMap<Long, Decided> decided = new TreeMap<>();
    final TreeMap<Long, Decided> executed = new TreeMap<>();
    final TreeMap<Long, String> ownDigests = new TreeMap<>();
    final Endorsements endorsements = new Endorsements();
    private final Map<String, Integer> needed = new HashMap<>();
    private final Map<String, Long> expiries = new HashMap<>();

    long view;
    boolean changing;
    int consecutiveChanges;
    long h;
    String hDigest;
    List<Envelope> hCertificate = List.of();
    long lastExecuted;
    long lastExecutedTs;
    long nextSeq = 1;
    long highestSeen;
    boolean halted;
    /** A later epoch's message arrived: ask for the next batch on the next tick. */
    boolean behind;
    /**
     * Executed seqs whose {@code order.committed} nobody published yet (seq → retransmit ticks waited): a replica
     * publishes one itself after as many ticks as its rank after the primary (DESIGN §12). At most 2L entries.
     */
    final TreeMap<Long, Integer> unannounced = new TreeMap<>();
    /** Seqs (within 2L of the last executed) for which a valid {@code order.committed} arrived. */
    final java.util.TreeSet<Long> heardAnnounced = new java.util.TreeSet<>();
    /** Per seq (within 2L of the last executed), the replicas whose announcement of it did not stand. */
    final TreeMap<Long, Set<NodeId>> badAnnouncers = new TreeMap<>();
    /** The seq whose roster change closed this epoch; 0 while it is open. */
    long closedAt;
    boolean batchScheduled;
    Envelope newView;

    final NormalCase normal;
    final Proposer proposer;
    final ViewChangeDriver viewChange;
    final CheckpointDriver checkpointing;
    final CatchUp catchUp;

    ReplicaContext(NodeId self, ReplicaSet set, OrderParams params, Clock clock, Scheduler scheduler, SlotSigner signer,
                   Outbox outbox, Topics topics, OrderJournal journal, OrderState state, Replica.Start start) {
        this.self = self;
        this.set = set;
        this.epoch = set.epoch();
        this.params = params;
        this.clock = clock;
        this.scheduler = scheduler;
        this.signer = signer;
        this.outbox = outbox;
        this.topics = topics;
        this.journal = journal;
        this.state = state;
        this.viewChanges = new ViewChanges(set);
        this.checkpoints = new Checkpoints(set);
        this.passive = !set.isReplica(self);
        this.base = start.base();
        this.baseDigest = start.baseDigest() != null ? start.baseDigest() : state.digest();
        this.hDigest = baseDigest;
        this.h = start.base();
        this.lastExecuted = start.lastExecuted();
        this.lastExecutedTs = start.lastTs();
        this.nextSeq = start.lastExecuted() + 1;
        this.highestSeen = start.lastExecuted();
        this.normal = new NormalCase(this);
        this.proposer = new Proposer(this);
        this.viewChange = new ViewChangeDriver(this);
        this.checkpointing = new CheckpointDriver(this);
        this.catchUp = new CatchUp(this);
    }

    void refuse(String reason, String detail) {
        journal.refused(reason, detail);
    }

    /** Whether {@code request} (pending) has the endorsements it needs to be ordered. */
    boolean ready(Envelope request) {
        if (clock.millis() <= redeemExpiry(request)) {
            return false; // a pm.redeem before its params expire: no batch owes it yet (not_yet)
        }
        int needed = endorsementsNeeded(request);
        return needed == 0 || endorsements.counting(set, request, needed).size() >= needed;
    }

    /** {@link RequestRules#redeemExpiry}, worked out once per pending request (it parses the redeem's ticket). */
    long redeemExpiry(Envelope request) {
        return expiries.computeIfAbsent(request.contentId(), id -> RequestRules.redeemExpiry(request));
    }

    /** {@link RequestRules#endorsementsNeeded}, worked out once per pending request. */
    int endorsementsNeeded(Envelope request) {
        return needed.computeIfAbsent(request.contentId(), id -> RequestRules.endorsementsNeeded(set, request));
    }

    /** Records an executed request id; false if it executed before (then the batch leaves it out). */
    boolean rememberExecuted(String id, long requestedAt) {
        if (executedIds.putIfAbsent(id, requestedAt) != null) {
            return false;
        }
        executedByRequestedAt.computeIfAbsent(requestedAt, k -> new ArrayList<>()).add(id);
        return true;
    }

    /** Forgets executed ids requested before {@code cutoff}: requests that old are refused by their ttl anyway. */
    void forgetExecutedBefore(long cutoff) {
        var old = executedByRequestedAt.headMap(cutoff, false);
        old.values().forEach(ids -> ids.forEach(executedIds::remove));
        old.clear();
    }

    /** Forgets what was worked out for a request no longer pending. */
    void forget(String requestId) {
        needed.remove(requestId);
        expiries.remove(requestId);
        endorsements.drop(requestId);
    }

    /** Whether some pending request can be ordered now: then the primary owes a batch and the view timer runs. */
    boolean anyReady() {
        return pending.values().stream().anyMatch(this::ready);
    }

    /**
     * A second, different message of one signer where only one is allowed: refused with {@code reason} and
     * journalled as evidence the first time per (signer, kind, view, seq), refused as {@code evidence_held} after.
     */
    void equivocation(String reason, EvidenceLog.Kind kind, long view, long seq, Envelope first, Envelope second,
                      String detail) {
        if (!evidence.first(second.from(), kind, view, seq)) {
            refuse("evidence_held", detail);
            return;
        }
        refuse(reason, detail);
        journal.evidence(first, second);
    }

    /** Whether a pending request's ttl ran out by {@code now}. */
    boolean expired(Envelope request, long now) {
        return now - ((OrderRequest) request.body()).requestedAt() > params.requestTtl().toMillis();
    }

    /** Drops (and counts) the pending requests whose ttl ran out; true if any went. The caller refreshes the timer. */
    boolean dropExpiredRequests() {
        long now = clock.millis();
        boolean any = false;
        for (var it = pending.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (expired(e.getValue(), now)) {
                it.remove();
                forget(e.getKey());
                refuse("request_expired", "request " + e.getKey() + " expired while pending");
                any = true;
            }
        }
        return any;
    }
}
