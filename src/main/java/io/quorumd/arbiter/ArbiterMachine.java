package io.quorumd.arbiter;

import io.quorumd.crypto.NodeId;
import io.quorumd.loop.InboundMessage;
import io.quorumd.loop.Outbox;
import io.quorumd.loop.Scheduler;
import io.quorumd.loop.TimerKey;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.DisputeRuling;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.FallbackActivation;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.Roster;
import io.quorumd.wire.SlotSigner;
import io.quorumd.wire.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * M-of-N arbitration (DESIGN §7), without I/O. Every node keeps every dispute: it checks opens, votes,
 * fallback activations and rulings by the same rules, resolves at M agreeing votes, deadlocks as soon as
 * M agreeing votes can no longer happen, expires at the deadline. The arbiter whose vote was the M-th
 * publishes the ruling at once; otherwise the nodes wait a grace staggered by roster rank, and the first
 * whose grace ends without a ruling having arrived publishes it.
 * Messages replayed from the ledger go through the same rules with nothing recorded or sent. Loop thread
 * only.
 */
public final class ArbiterMachine {
    private static final Logger LOG = LoggerFactory.getLogger(ArbiterMachine.class);
    static final long BUFFER_MS = 60_000;
    static final int BUFFER_MAX = 1000;
    static final long RULING_GRACE_MS = 2_000;

    /** A dispute's deadline as last set. */
    public record DeadlineDue(String disputeId, long deadline) implements TimerKey {
    }

    /** Midpoint of a dispute this node opened: time to activate the fallback arbiters if primaries are silent. */
    public record MidpointDue(String disputeId) implements TimerKey {
    }

    /** Time to publish a ruling nobody else published. */
    public record RulingGrace(String disputeId) implements TimerKey {
    }

    /** Time to drop votes that waited too long for their open. */
    public record BufferSweep() implements TimerKey {
    }

    final NodeId self;
    final Roster roster;
    private final ArbiterPolicy policy;
    final Clock clock;
    private final Scheduler scheduler;
    final SlotSigner slots;
    private final EnvelopeSigner signer;
    final Topics topics;
    private final Outbox outbox;
    private final ArbiterJournal journal;
    private final Random jitter;
    private final Map<String, Dispute> disputes = new LinkedHashMap<>();
    private final VoteBuffer buffered = new VoteBuffer(BUFFER_MAX, BUFFER_MS);
    boolean live;

    public ArbiterMachine(NodeId self, Roster roster, ArbiterPolicy policy, Clock clock, Scheduler scheduler,
                          SlotSigner slots, EnvelopeSigner signer, Topics topics, Outbox outbox, ArbiterJournal journal,
                          Random jitter) {
        this.self = self;
        this.roster = roster;
        this.policy = policy;
        this.clock = clock;
        this.scheduler = scheduler;
        this.slots = slots;
        this.signer = signer;
        this.topics = topics;
        this.outbox = outbox;
        this.journal = journal;
        this.jitter = jitter;
    }

    public static boolean owns(TimerKey key) {
        return key instanceof DeadlineDue || key instanceof MidpointDue || key instanceof RulingGrace
                || key instanceof BufferSweep;
    }

    /** After replay: timers for every active dispute, and live handling from now on. */
    public void start() {
        live = true;
        for (Dispute d : disputes.values()) {
            if (d.status().active()) {
                scheduleDeadline(d);
                if (d.open().from().equals(self) && d.fallback().isEmpty()) {
                    scheduler.schedule(delayUntil(d.midpoint(policy.votingTimeoutMs())), new MidpointDue(d.id()));
                }
            }
        }
        for (Dispute d : disputes.values()) {
            if (d.status() == DisputeStatus.RESOLVED && d.ruling().isEmpty()) {
                scheduler.schedule(rulingGrace(), new RulingGrace(d.id()));
            }
        }
        scheduler.schedule(Duration.ofMillis(BUFFER_MS / 4), new BufferSweep());
    }

    private Duration delayUntil(long at) {
        return Duration.ofMillis(Math.max(0, at - clock.millis()));
    }

    private void scheduleDeadline(Dispute d) {
        scheduler.schedule(delayUntil(d.deadline() + policy.skewMs()), new DeadlineDue(d.id(), d.deadline()));
    }

    // ---- inbound ----

    public void onMessage(InboundMessage m) {
        Envelope env = m.envelope();
        switch (env.type()) {
            case DISPUTE_OPEN -> onOpen(m);
            case DISPUTE_VOTE -> onVote(m);
            case DISPUTE_FALLBACK -> onFallback(m);
            case DISPUTE_RULING -> onRuling(env);
            default -> throw new IllegalArgumentException("not an arbiter message: " + env.type());
        }
    }

    /** Replays a message from the ledger (accepted, signed or ruling) through the same rules, silently. */
    public void replay(Envelope env) {
        var sender = roster.byId(env.from());
        if (sender.isEmpty()) {
            LOG.atWarn().addKeyValue("from", env.from().shortHex()).addKeyValue("type", env.type().wireName())
                    .log("ledger holds a message from a member no longer in the roster; not replayed");
            return;
        }
        onMessage(new InboundMessage("replay", env, sender.get(), false));
    }

    private void reject(String reason, String detail) {
        if (live) {
            journal.rejected(reason, detail);
        }
    }

    private void accepted(InboundMessage m) {
        if (live && !m.topic().equals("replay")) {
            journal.accepted(m);
        }
    }

    private void onOpen(InboundMessage m) {
        DisputeOpen open = (DisputeOpen) m.envelope().body();
        String id = open.disputeId();
        if (disputes.containsKey(id)) {
            return; // the same open again
        }
        Optional<String> refused = DisputeRules.openRefusal(open, roster, disputes.values(), policy, live, clock.millis());
        if (refused.isPresent()) {
            reject("bad_open", refused.get());
            return;
        }
        Dispute d = new Dispute(m.envelope(), policy.votingTimeoutMs());
        disputes.put(id, d);
        accepted(m);
        if (live) {
            scheduleDeadline(d);
            LOG.atInfo().addKeyValue("dispute", id).addKeyValue("subject", open.subject())
                    .addKeyValue("by", roster.label(m.envelope().from())).log("dispute opened");
        }
        buffered.takeFor(id).forEach(this::onVote);
    }

    private void onVote(InboundMessage m) {
        Envelope env = m.envelope();
        DisputeVote vote = (DisputeVote) env.body();
        Dispute d = disputes.get(vote.disputeId());
        if (d == null) {
            if (!buffered.add(m, clock.millis())) {
                reject("unknown_dispute", "vote buffer full; vote for " + vote.disputeId() + " dropped");
            }
            return;
        }
        if (env.equals(d.votes().get(env.from()))) {
            return; // the same vote again (the broker's echo of our own, a redelivery)
        }
        Optional<String> refused = DisputeRules.voteRefusal(d, env.from(), vote, policy, live, clock.millis());
        if (refused.isPresent()) {
            reject(refused.get(), roster.label(env.from()) + " on " + d.id());
            return;
        }
        Envelope earlier = d.addVote(env);
        if (earlier != null) {
            if (!earlier.equals(env)) {
                reject("equivocation", "a second, different vote from " + roster.label(env.from()) + " on " + d.id());
                if (live) {
                    journal.evidence("arbiter.vote", List.of(earlier, env));
                }
            }
            return;
        }
        accepted(m);
        evaluate(d, env.from());
    }

    private void onFallback(InboundMessage m) {
        FallbackActivation a = (FallbackActivation) m.envelope().body();
        Dispute d = disputes.get(a.disputeId());
        if (d == null) {
            reject("unknown_dispute", "fallback activation for " + a.disputeId());
            return;
        }
        if (d.fallback().isPresent() && d.fallback().get().equals(m.envelope())) {
            return; // the same activation again
        }
        Optional<String> refused = DisputeRules.fallbackRefusal(d, a.activatedAt(), policy, live, clock.millis());
        if (refused.isPresent()) {
            reject(refused.get(), "fallback activation for " + d.id());
            return;
        }
        d.activate(m.envelope());
        d.moveTo(DisputeStatus.FALLBACK);
        d.extendDeadline(policy.fallbackExtensionMs());
        accepted(m);
        if (live) {
            scheduleDeadline(d);
            LOG.atInfo().addKeyValue("dispute", d.id()).addKeyValue("deadline", d.deadline())
                    .log("fallback arbiters activated");
        }
    }

    private void onRuling(Envelope env) {
        DisputeRuling r = (DisputeRuling) env.body();
        Dispute d = disputes.get(r.disputeId());
        if (d != null && d.ruling().isPresent()) {
            return;
        }
        Optional<String> invalid = RulingValidator.validate(r, roster, policy);
        if (invalid.isPresent()) {
            reject("invalid_ruling", invalid.get());
            return;
        }
        if (d == null) {
            d = new Dispute(r.open(), policy.votingTimeoutMs());
            disputes.put(d.id(), d);
        }
        if (r.fallback().isPresent() && d.fallback().isEmpty()) {
            d.activate(r.fallback().get());
            if (d.status() == DisputeStatus.OPEN) {
                d.moveTo(DisputeStatus.FALLBACK);
                d.extendDeadline(policy.fallbackExtensionMs());
            }
        }
        for (Envelope v : r.votes()) {
            d.addVote(v);
        }
        if (d.status() != DisputeStatus.RESOLVED) {
            d.resolve(r.decision());
        }
        d.setRuling(r);
        if (live) {
            journal.rulingStored(r, env);
            LOG.atInfo().addKeyValue("dispute", d.id()).addKeyValue("decision", r.decision().code())
                    .addKeyValue("from", roster.label(env.from())).log("ruling accepted");
        }
    }

    // ---- decisions ----

    private void evaluate(Dispute d, NodeId lastVoter) {
        for (Decision dec : Decision.values()) {
            if (d.count(dec) >= policy.required()) {
                d.resolve(dec);
                if (live) {
                    LOG.atInfo().addKeyValue("dispute", d.id()).addKeyValue("decision", dec.code())
                            .addKeyValue("votes", d.votes().size()).log("dispute resolved");
                    if (lastVoter.equals(self)) {
                        publishRuling(d);
                    } else {
                        scheduler.schedule(rulingGrace(), new RulingGrace(d.id()));
                    }
                }
                return;
            }
        }
        if (!DisputeRules.canStillReach(d, policy)) {
            d.moveTo(DisputeStatus.DEADLOCKED);
            if (live) {
                LOG.atInfo().addKeyValue("dispute", d.id()).addKeyValue("buyer", d.count(Decision.BUYER))
                        .addKeyValue("seller", d.count(Decision.SELLER)).log("dispute deadlocked: M agreeing votes can no longer happen");
            }
        }
    }

    /**
     * How long this node waits for someone else's ruling before publishing its own: staggered by its rank in
     * the roster, so that one node, not all of them, publishes when the arbiter with the M-th vote stays
     * silent.
     */
    private Duration rulingGrace() {
        long rank = roster.members().stream().map(m -> m.nodeId()).sorted().toList().indexOf(self);
        return Duration.ofMillis(RULING_GRACE_MS + rank * 1000 + jitter.nextInt(200));
    }

    private void publishRuling(Dispute d) {
        Decision dec = d.decision().orElseThrow();
        List<Envelope> agreeing = d.votes().values().stream()
                .filter(v -> ((DisputeVote) v.body()).decision() == dec).limit(policy.required()).toList();
        DisputeRuling r = new DisputeRuling(d.open(), d.fallback(), dec, agreeing);
        Envelope env = signer.sign(MessageType.DISPUTE_RULING, r);
        d.setRuling(r);
        journal.rulingStored(r, env);
        outbox.publish(topics.arbiterFinal(), env, false);
    }

    public void onTimer(TimerKey key) {
        if (key instanceof DeadlineDue due) {
            Dispute d = disputes.get(due.disputeId());
            if (d != null && d.status().active() && d.deadline() == due.deadline()) {
                expire(d);
            }
        } else if (key instanceof MidpointDue due) {
            Dispute d = disputes.get(due.disputeId());
            if (d != null && DisputeRules.fallbackRefusal(d, clock.millis(), policy, live, clock.millis()).isEmpty()) {
                Envelope a = slots.signOnce("arbiter/fallback/" + d.id(), MessageType.DISPUTE_FALLBACK,
                        new FallbackActivation(d.id(), clock.millis()), topics.arbiterPropose(), false);
                onFallback(new InboundMessage(topics.arbiterPropose(), a, roster.byId(self).orElseThrow(), false));
            }
        } else if (key instanceof RulingGrace due) {
            Dispute d = disputes.get(due.disputeId());
            if (d != null && d.status() == DisputeStatus.RESOLVED && d.ruling().isEmpty()) {
                publishRuling(d);
            }
        } else if (key instanceof BufferSweep) {
            buffered.dropOlderThan(clock.millis()).forEach(v -> reject("unknown_dispute", "vote for "
                    + ((DisputeVote) v.envelope().body()).disputeId() + " never met its open"));
            scheduler.schedule(Duration.ofMillis(BUFFER_MS / 4), new BufferSweep());
        }
    }

    private void expire(Dispute d) {
        d.moveTo(DisputeStatus.EXPIRED);
        List<String> silent = policy.primaries().stream().filter(p -> !d.votes().containsKey(p)).map(roster::label).toList();
        LOG.atInfo().addKeyValue("dispute", d.id()).addKeyValue("non_participants", String.join(",", silent))
                .log("dispute expired");
    }

    /** Expires, on replay, what passed its deadline while this node was down. */
    public void expireOverdue() {
        long now = clock.millis();
        for (Dispute d : disputes.values()) {
            if (d.status().active() && now > d.deadline() + policy.skewMs()) {
                expire(d);
            }
        }
    }

    // ---- views and commands ----

    public Optional<Dispute> dispute(String id) {
        return Optional.ofNullable(disputes.get(id));
    }

    public Collection<Dispute> disputes() {
        return disputes.values();
    }

    public ArbiterPolicy policy() {
        return policy;
    }

    public long openCount() {
        return disputes.values().stream().filter(d -> d.status().active()).count();
    }

    /** Opens and votes as this node, for the control socket. */
    public ArbiterDesk desk() {
        return new ArbiterDesk(this);
    }

    // ArbiterDesk works on the same state through the package-private fields and these two methods.
    Optional<String> refuseOpen(DisputeOpen open) {
        return DisputeRules.openRefusal(open, roster, disputes.values(), policy, live, clock.millis());
    }

    void scheduleMidpoint(String disputeId) {
        Dispute d = disputes.get(disputeId);
        if (d != null && !policy.fallbacks().isEmpty()) {
            scheduler.schedule(delayUntil(d.midpoint(policy.votingTimeoutMs())), new MidpointDue(disputeId));
        }
    }
}
