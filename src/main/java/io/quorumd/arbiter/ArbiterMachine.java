package io.quorumd.arbiter;

import io.quorumd.crypto.NodeId;
import io.quorumd.loop.InboundMessage;
import io.quorumd.loop.Outbox;
import io.quorumd.loop.Scheduler;
import io.quorumd.loop.TimerKey;
import io.quorumd.loop.VoteGuard;
import io.quorumd.wire.Body;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.DisputeRuling;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeCodec;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.FallbackActivation;
import io.quorumd.wire.MessageType;
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
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * M-of-N arbitration (DESIGN §7), without I/O. Every node keeps every dispute: it checks opens, votes,
 * fallback activations and rulings by the same rules ({@link DisputeRules}, {@link RulingValidator}),
 * resolves at M agreeing votes, deadlocks as soon as M agreeing votes can no longer happen, expires at the
 * deadline. The arbiter whose vote was the M-th publishes the ruling at once; otherwise the nodes wait a
 * grace staggered by roster rank, and the first whose grace ends without a ruling publishes it.
 * <p>
 * Whatever a peer sends that changes nothing — a repeat, a refused open, a vote of a closed dispute — is a
 * counted refusal and causes no publication. Messages replayed from the ledger go through the same rules
 * under the policy of the boot entry they were stored under, with nothing recorded, sent or timed. Live
 * input, the desk and the timers go by today's policy, read anew at each decision ({@link PolicySource}
 * makes it follow roster changes). Loop thread only.
 */
public final class ArbiterMachine {
    private static final Logger LOG = LoggerFactory.getLogger(ArbiterMachine.class);
    static final long BUFFER_MS = 60_000;
    static final int BUFFER_MAX = 1000;
    static final int BUFFER_PER_SENDER = 64;
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

    /** Time to look for active disputes past their deadline (a safety net under the deadline timers). */
    public record ExpirySweep() implements TimerKey {
    }

    private final NodeId self;
    private final Supplier<ArbiterPolicy> policies;
    private final Duration expiryCheckEvery;
    private final Clock clock;
    private final Scheduler scheduler;
    private final SlotSigner slots;
    private final EnvelopeSigner signer;
    private final Topics topics;
    private final Outbox outbox;
    private final ArbiterJournal journal;
    private final Random jitter;
    private final Map<String, Dispute> disputes = new LinkedHashMap<>();
    private final VoteBuffer buffered = new VoteBuffer(BUFFER_MAX, BUFFER_PER_SENDER, BUFFER_MS);
    private final DisputeInbox inbox;
    private final VoteGuard guard;
    private final Runnable onGap;

    /** Under one fixed policy. */
    public ArbiterMachine(NodeId self, ArbiterPolicy policy, Duration expiryCheckEvery, Clock clock, Scheduler scheduler,
                          SlotSigner slots, EnvelopeSigner signer, Topics topics, Outbox outbox, ArbiterJournal journal,
                          VoteGuard guard, Runnable onGap, Random jitter) {
        this(self, () -> policy, expiryCheckEvery, clock, scheduler, slots, signer, topics, outbox, journal, guard, onGap,
                jitter);
    }

    /** Under today's policy, whatever {@code policies} returns at each decision (see {@link PolicySource}). */
    public ArbiterMachine(NodeId self, Supplier<ArbiterPolicy> policies, Duration expiryCheckEvery, Clock clock,
                          Scheduler scheduler, SlotSigner slots, EnvelopeSigner signer, Topics topics, Outbox outbox,
                          ArbiterJournal journal, VoteGuard guard, Runnable onGap, Random jitter) {
        this.guard = guard;
        this.onGap = onGap;
        this.self = self;
        this.policies = policies;
        this.expiryCheckEvery = expiryCheckEvery;
        this.clock = clock;
        this.scheduler = scheduler;
        this.slots = slots;
        this.signer = signer;
        this.topics = topics;
        this.outbox = outbox;
        this.journal = journal;
        this.jitter = jitter;
        this.inbox = new DisputeInbox(self, disputes, buffered, journal, clock::millis, new DisputeInbox.Reactions() {
            @Override
            public void opened(Dispute d) {
                scheduleDeadline(d);
                if (d.open().from().equals(self)) {
                    scheduleMidpoint(d);
                }
            }

            @Override
            public void deadlineMoved(Dispute d) {
                scheduleDeadline(d);
            }

            @Override
            public void resolved(Dispute d, NodeId lastVoter) {
                if (lastVoter.equals(self)) {
                    publishRulings(d);
                } else {
                    scheduler.schedule(rulingGrace(), new RulingGrace(d.id()));
                }
            }

            @Override
            public void contested(Dispute d) {
                scheduler.schedule(rulingGrace(), new RulingGrace(d.id()));
            }

            @Override
            public void unknownDispute(String disputeId) {
                onGap.run();
            }
        });
    }

    public static boolean owns(TimerKey key) {
        return key instanceof DeadlineDue || key instanceof MidpointDue || key instanceof RulingGrace
                || key instanceof BufferSweep || key instanceof ExpirySweep;
    }

    /**
     * After replay: expires what passed its deadline while this node was down, sets the timers of every
     * active dispute, and publishes once more what this node signed for disputes still undecided or closed
     * without a ruling within the last voting period (a crash between fsync and publish must not lose it;
     * peers count a vote signed in time whenever it arrives).
     */
    public void start() {
        expireOverdue();
        long now = now();
        for (Dispute d : disputes.values()) {
            if (d.status().active()) {
                scheduleDeadline(d);
                if (d.open().from().equals(self) && d.fallback().isEmpty()) {
                    scheduleMidpoint(d);
                }
            } else if (!d.unruled(policy().required()).isEmpty()) {
                scheduler.schedule(rulingGrace(), new RulingGrace(d.id()));
            }
            boolean undecided = d.status().active() || d.status() == DisputeStatus.DEADLOCKED
                    || d.status() == DisputeStatus.EXPIRED;
            if (undecided && now < d.deadline() + policy().votingTimeoutMs()) {
                republishOwn(d); // a vote that closed it here may never have left: peers count it as a fact
            }
        }
        scheduler.schedule(Duration.ofMillis(BUFFER_MS / 4), new BufferSweep());
        scheduler.schedule(expiryCheckEvery, new ExpirySweep());
    }

    private void republishOwn(Dispute d) {
        if (d.open().from().equals(self)) {
            outbox.publish(topics.arbiterPropose(), d.open(), false);
        }
        d.fallback().filter(f -> f.from().equals(self)).ifPresent(f -> outbox.publish(topics.arbiterPropose(), f, false));
        Envelope mine = d.votes().get(self);
        if (mine != null) {
            outbox.publish(topics.arbiterVote(), mine, false);
        }
    }

    // ---- inbound ----

    public void onMessage(InboundMessage m) {
        inbox.handle(m, policy(), false);
    }

    /**
     * Replays a message from the ledger (accepted, signed or ruling) under {@code era}, the policy in force
     * when it was stored. The ledger was verified before replay, so rulings are not validated again.
     */
    public void replay(Envelope env, ArbiterPolicy era) {
        var sender = era.roster().byId(env.from());
        if (sender.isEmpty()) {
            throw new IllegalStateException("ledger holds a " + env.type().wireName() + " from " + env.from().shortHex()
                    + ", who was not in the roster it was stored under");
        }
        inbox.handle(new InboundMessage("replay", env, sender.get()), era, true);
    }

    /**
     * How long this node waits for someone else's ruling before publishing its own: staggered by its rank in
     * the roster, so that one node, not all of them, publishes when the arbiter with the M-th vote stays
     * silent.
     */
    private Duration rulingGrace() {
        long rank = policy().roster().members().stream().map(m -> m.nodeId()).sorted().toList().indexOf(self);
        return Duration.ofMillis(RULING_GRACE_MS + rank * 1000 + jitter.nextInt(200));
    }

    /**
     * Publishes a ruling for each decision the votes here support and no ruling held covers: RESOLVED's, or
     * both sides of a CONTESTED dispute — so that every node comes to hold the facts that contest it.
     */
    private void publishRulings(Dispute d) {
        d.unruled(policy().required()).forEach(dec -> publishRuling(d, dec));
    }

    /**
     * Builds, checks, signs, stores and publishes one ruling. It is checked by {@link RulingValidator} under
     * today's policy first: votes counted under an earlier roster or M (replayed from the ledger) may not make
     * one today, and this node never signs what its peers would refuse.
     */
    private void publishRuling(Dispute d, Decision dec) {
        if (!d.canHoldOwnRuling(dec)) {
            return;
        }
        List<Envelope> agreeing = d.votesFor(dec).stream().limit(policy().required()).toList();
        DisputeRuling r = new DisputeRuling(d.open(), d.fallback(), dec, agreeing);
        Optional<String> invalid = RulingValidator.validate(r, policy());
        if (invalid.isPresent()) {
            LOG.atWarn().addKeyValue("dispute", d.id()).addKeyValue("reason", invalid.get())
                    .log("not publishing a ruling today's rules refuse (the votes were counted under other rules)");
            return;
        }
        Envelope env = signer.sign(MessageType.DISPUTE_RULING, r);
        if (env.encode().length > EnvelopeCodec.MAX_BYTES) {
            LOG.atWarn().addKeyValue("dispute", d.id()).addKeyValue("bytes", env.encode().length)
                    .log("not publishing a ruling larger than a message may be");
            return;
        }
        d.holdOwnRuling(env);
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
            long now = now();
            boolean held = d != null && d.fallback().isPresent()
                    && ((FallbackActivation) d.fallback().get().body()).activatedAt() <= now;
            if (d != null && d.status().active() && !held && guard.refusal(d.body().openedAt()).isEmpty()
                    && now + policy().skewMs() >= d.midpoint(policy().votingTimeoutMs())
                    && DisputeRules.fallbackRefusal(d, self, now, policy()).isEmpty()) {
                signAndApply("arbiter/fallback/" + d.id(), MessageType.DISPUTE_FALLBACK,
                        new FallbackActivation(d.id(), now), topics.arbiterPropose());
            }
        } else if (key instanceof RulingGrace due) {
            Dispute d = disputes.get(due.disputeId());
            if (d != null) {
                publishRulings(d);
            }
        } else if (key instanceof BufferSweep) {
            buffered.dropOlderThan(now()).forEach(v -> inbox.reject(new Refusal("unknown_dispute", "vote for "
                    + ((DisputeVote) v.envelope().body()).disputeId() + " never met its open"), false));
            scheduler.schedule(Duration.ofMillis(BUFFER_MS / 4), new BufferSweep());
        } else if (key instanceof ExpirySweep) {
            expireOverdue();
            scheduler.schedule(expiryCheckEvery, new ExpirySweep());
        }
    }

    private void expire(Dispute d) {
        d.expire();
        ArbiterPolicy policy = policy();
        List<String> silent = policy.primaries().stream().filter(p -> !d.votes().containsKey(p)).map(policy::label).toList();
        LOG.atInfo().addKeyValue("dispute", d.id()).addKeyValue("non_participants", String.join(",", silent))
                .log("dispute expired");
    }

    /** Expires every active dispute past its deadline (and the skew allowance) by this node's clock. */
    void expireOverdue() {
        long now = now();
        for (Dispute d : disputes.values()) {
            if (d.status().active() && now > d.deadline() + policy().skewMs()) {
                expire(d);
            }
        }
    }

    private void scheduleDeadline(Dispute d) {
        scheduler.schedule(delayUntil(d.deadline() + policy().skewMs()), new DeadlineDue(d.id(), d.deadline()));
    }

    private void scheduleMidpoint(Dispute d) {
        if (!policy().fallbacks().isEmpty()) {
            scheduler.schedule(delayUntil(d.midpoint(policy().votingTimeoutMs())), new MidpointDue(d.id()));
        }
    }

    private Duration delayUntil(long at) {
        return Duration.ofMillis(Math.max(0, at - now()));
    }

    // ---- for the desk and the views ----

    long now() {
        return clock.millis();
    }

    /** Whether this node may sign a vote or an activation on something dated {@code datedAt} (DESIGN §13). */
    Optional<VoteGuard.Refusal> voteRefusal(long datedAt) {
        return guard.refusal(datedAt);
    }

    NodeId self() {
        return self;
    }

    Topics topics() {
        return topics;
    }

    /** Why this node may not open {@code open} now, by the rules its peers apply. */
    Optional<Refusal> refuseOpen(DisputeOpen open) {
        return DisputeRules.openRefusal(self, open, policy(), disputes.values(), DisputeRules.Judging.LIVE, now());
    }

    /** Signs {@code body} once for {@code slot} (ledgered, published after the fsync) and applies it here. */
    Envelope signAndApply(String slot, MessageType type, Body body, String topic) {
        Envelope env = slots.signOnce(slot, type, body, topic, false);
        inbox.handle(new InboundMessage(topic, env, policy().roster().byId(self).orElseThrow()), policy(), false);
        return env;
    }

    /** The signed rulings held for dispute {@code id} (none, one, or one per side once contested). */
    public List<Envelope> rulingEnvelopes(String id) {
        Dispute d = disputes.get(id);
        return d == null ? List.of() : d.rulingEnvelopes();
    }

    public Optional<Dispute> dispute(String id) {
        return Optional.ofNullable(disputes.get(id));
    }

    public Collection<Dispute> disputes() {
        return disputes.values();
    }

    /** Today's policy: the one live input is judged by now. */
    public ArbiterPolicy policy() {
        return policies.get();
    }

    public long openCount() {
        return disputes.values().stream().filter(d -> d.status().active()).count();
    }

    /** Replay of an equivocation evidence entry: the arbiter is marked, so its evidence is not stored again. */
    public void replayEvidence(List<Envelope> pair) {
        if (!pair.isEmpty() && pair.get(0).body() instanceof DisputeVote v) {
            Dispute d = disputes.get(v.disputeId());
            if (d != null) {
                d.firstEquivocation(pair.get(0).from());
            }
        }
    }

    /** Opens and votes as this node, for the control socket. */
    public ArbiterDesk desk() {
        return new ArbiterDesk(this);
    }
}
