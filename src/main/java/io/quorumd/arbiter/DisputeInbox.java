package io.quorumd.arbiter;

import io.quorumd.crypto.NodeId;
import io.quorumd.loop.InboundMessage;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.DisputeRuling;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.FallbackActivation;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies opens, votes, fallback activations and rulings to the disputes by the rules of DESIGN §7, under
 * the policy it is handed (today's for live input, the stored one's era for replay). Every message either
 * changes state or is a counted refusal; nothing here publishes or schedules — what needs timing goes to
 * {@link Reactions}. Replayed input is applied silently and trusted as verified. Loop thread only.
 */
final class DisputeInbox {
    private static final Logger LOG = LoggerFactory.getLogger(DisputeInbox.class);

    /** What the machine does when the state moves: timers and publication, live input only. */
    interface Reactions {
        void opened(Dispute d);

        void deadlineMoved(Dispute d);

        void resolved(Dispute d, NodeId lastVoter);

        void contested(Dispute d);

        void unknownDispute(String disputeId);
    }

    private final NodeId self;
    private final Map<String, Dispute> disputes;
    private final VoteBuffer buffered;
    private final ArbiterJournal journal;
    private final LongSupplier clock;
    private final Reactions reactions;

    DisputeInbox(NodeId self, Map<String, Dispute> disputes, VoteBuffer buffered, ArbiterJournal journal,
                 LongSupplier clock, Reactions reactions) {
        this.self = self;
        this.disputes = disputes;
        this.buffered = buffered;
        this.journal = journal;
        this.clock = clock;
        this.reactions = reactions;
    }

    void handle(InboundMessage m, ArbiterPolicy p, boolean replay) {
        switch (m.envelope().type()) {
            case DISPUTE_OPEN -> onOpen(m, p, replay);
            case DISPUTE_VOTE -> onVote(m, p, replay);
            case DISPUTE_FALLBACK -> onFallback(m, p, replay);
            case DISPUTE_RULING -> onRuling(m.envelope(), p, replay);
            default -> throw new IllegalArgumentException("not an arbiter message: " + m.envelope().type());
        }
    }

    private long now() {
        return clock.getAsLong();
    }

    void reject(Refusal r, boolean replay) {
        if (!replay) {
            journal.rejected(r.code(), r.detail());
        }
    }

    /** The same message again: our own echo from the broker is silent, a peer's repeat is counted. */
    private void repeated(Envelope env, ArbiterPolicy p, boolean replay) {
        if (!replay && !env.from().equals(self)) {
            journal.rejected("duplicate", env.type().wireName() + " from " + p.label(env.from()) + " again");
        }
    }

    /**
     * Records a message that counted. This node's own are in the ledger as signed already — unless it learned
     * them from a peer's sync page, as a node that lost its disk does: then they are recorded here.
     */
    private void accepted(InboundMessage m, boolean replay) {
        if (!replay && (!m.envelope().from().equals(self) || m.origin() == InboundMessage.Origin.SYNC)) {
            journal.accepted(m);
        }
    }

    private void onOpen(InboundMessage m, ArbiterPolicy p, boolean replay) {
        Envelope env = m.envelope();
        DisputeOpen open = (DisputeOpen) env.body();
        String id = open.disputeId();
        if (disputes.containsKey(id)) {
            repeated(env, p, replay);
            return;
        }
        DisputeRules.Judging how = replay ? DisputeRules.Judging.REPLAY
                : m.origin() == InboundMessage.Origin.SYNC ? DisputeRules.Judging.HISTORY : DisputeRules.Judging.LIVE;
        Optional<Refusal> refused = DisputeRules.openRefusal(env.from(), open, p, disputes.values(), how, now());
        if (refused.isPresent()) {
            reject(refused.get(), replay);
            return;
        }
        Dispute d = new Dispute(env, p.votingTimeoutMs());
        disputes.put(id, d);
        accepted(m, replay);
        if (!replay) {
            reactions.opened(d);
            LOG.atInfo().addKeyValue("dispute", id).addKeyValue("subject", open.subject())
                    .addKeyValue("by", p.label(env.from())).log("dispute opened");
            rejudgeBuffered(d, p);
        }
    }

    /**
     * A vote counts when its signed facts say so ({@link DisputeRules#voteRefusal}), whatever the dispute's
     * status here: an arbiter's first vote, and — should it sign the other decision too — that vote as well,
     * so it counts on both sides it signed. Then the status is what all the votes held say
     * ({@link #settle}). Replays and other votes on a side already counted change nothing; the first pair
     * of an equivocator is stored once as evidence.
     */
    private void onVote(InboundMessage m, ArbiterPolicy p, boolean replay) {
        Envelope env = m.envelope();
        DisputeVote vote = (DisputeVote) env.body();
        String who = p.label(env.from());
        Dispute d = disputes.get(vote.disputeId());
        if (d == null) {
            if (!p.isArbiter(env.from())) {
                reject(new Refusal("not_an_arbiter", who + " on unknown dispute " + vote.disputeId()), replay);
            } else if (!replay) {
                bufferVote(m, p);
                reactions.unknownDispute(vote.disputeId());
            }
            return;
        }
        Envelope earlier = d.votes().get(env.from());
        if (env.equals(earlier) || d.otherVotes().containsValue(env)) {
            repeated(env, p, replay);
            return;
        }
        Optional<Refusal> refused = DisputeRules.voteRefusal(d, env.from(), vote, p);
        if (refused.isPresent()) {
            if (!replay && refused.get().code().equals("fallback_before_activation")) {
                bufferVote(m, p); // the activation may be on its way: judged again when it arrives
                return;
            }
            reject(refused.get(), replay);
            return;
        }
        String member = p.roster().byId(env.from()).map(io.quorumd.wire.Member::name).orElse(env.from().hex());
        if (earlier == null && d.votedUnderAnotherKey(member, env.from())) {
            // a rotation keeps the member's name (DESIGN §12): a second key is not a second arbiter
            reject(new Refusal("voted_under_another_key", who + " voted on " + d.id() + " under a key it rotated from"),
                    replay);
            return;
        }
        if (earlier == null) {
            d.addVote(env, member);
        } else {
            reject(new Refusal("equivocation", "a second, different vote from " + who + " on " + d.id()), replay);
            if (d.firstEquivocation(env.from()) && !replay) {
                journal.evidence("arbiter.vote", List.of(earlier, env));
            }
            if (!d.addOtherVote(env)) {
                return; // the same decision again, or a third vote: nothing new to count
            }
        }
        accepted(m, replay);
        settle(d, env.from(), p, replay);
    }

    /** Votes that waited for this dispute, or its activation, judged now that it is known. */
    private void rejudgeBuffered(Dispute d, ArbiterPolicy p) {
        buffered.takeFor(d.id()).forEach(v -> onVote(v, p, false));
    }

    private void bufferVote(InboundMessage m, ArbiterPolicy p) {
        DisputeVote vote = (DisputeVote) m.envelope().body();
        VoteBuffer.Added added = buffered.add(m, now());
        if (added == VoteBuffer.Added.HELD_ALREADY) {
            reject(new Refusal("duplicate", "a vote of " + p.label(m.envelope().from()) + " on " + vote.disputeId()
                    + " already waits"), false);
        } else if (added == VoteBuffer.Added.SENDER_FULL || added == VoteBuffer.Added.FULL) {
            reject(new Refusal("vote_buffer_full", "vote of " + p.label(m.envelope().from()) + " on " + vote.disputeId()
                    + " dropped (" + added.name().toLowerCase(Locale.ROOT) + ")"), false);
        }
    }

    private void onFallback(InboundMessage m, ArbiterPolicy p, boolean replay) {
        Envelope env = m.envelope();
        FallbackActivation a = (FallbackActivation) env.body();
        Dispute d = disputes.get(a.disputeId());
        if (d == null) {
            reject(new Refusal("unknown_dispute", "fallback activation for " + a.disputeId()), replay);
            return;
        }
        if (d.fallback().filter(env::equals).isPresent()) {
            repeated(env, p, replay);
            return;
        }
        if (!replay && a.activatedAt() > now() + p.skewMs()) {
            reject(new Refusal("future_activation", "fallback activation for " + d.id() + " by " + p.label(env.from())
                    + " is dated " + (a.activatedAt() - now()) + " ms ahead"), false);
            return;
        }
        Optional<Refusal> refused = DisputeRules.fallbackRefusal(d, env.from(), a.activatedAt(), p);
        if (refused.isPresent()) {
            reject(refused.get(), replay);
            return;
        }
        boolean first = d.fallback().isEmpty();
        if (!d.offerActivation(env, p.fallbackExtensionMs())) {
            reject(new Refusal("later_activation", "fallback activation for " + d.id() + " by " + p.label(env.from())
                    + ": an earlier one stands"), replay);
            return;
        }
        accepted(m, replay);
        if (!replay) {
            if (first) {
                reactions.deadlineMoved(d);
            }
            LOG.atInfo().addKeyValue("dispute", d.id()).addKeyValue("deadline", d.deadline()).addKeyValue("by", p.label(env.from()))
                    .log(first ? "fallback arbiters activated" : "an earlier fallback activation replaces the one held");
            rejudgeBuffered(d, p);
        }
    }

    private void onRuling(Envelope env, ArbiterPolicy p, boolean replay) {
        DisputeRuling r = (DisputeRuling) env.body();
        Dispute d = disputes.get(r.disputeId());
        if (d != null && d.holdsRulingFor(r.decision())) {
            repeated(env, p, replay);
            if (!replay && !env.from().equals(self)) {
                journal.decisionSeen(env);
            }
            return;
        }
        if (!replay) {
            Optional<String> invalid = RulingValidator.validate(r, p);
            if (invalid.isEmpty() && d != null && r.fallback().isPresent() && !r.fallback().equals(d.fallback())) {
                // the activation it carries must hold against the votes held here too
                FallbackActivation a = (FallbackActivation) r.fallback().get().body();
                invalid = DisputeRules.fallbackRefusal(d, r.fallback().get().from(), a.activatedAt(), p)
                        .map(x -> "its fallback activation: " + x.code() + " (" + x.detail() + ")");
            }
            if (invalid.isPresent()) {
                reject(new Refusal("invalid_ruling", invalid.get()), false);
                return;
            }
        }
        if (d == null) {
            d = new Dispute(r.open(), p.votingTimeoutMs());
            disputes.put(d.id(), d);
        }
        DisputeStatus before = d.status();
        List<List<Envelope>> conflicts = d.applyRuling(env, p.fallbackExtensionMs(), p.required());
        if (!replay) {
            Dispute ruled = d;
            conflicts.stream().filter(pair -> ruled.firstEquivocation(pair.get(0).from()))
                    .forEach(pair -> journal.evidence("arbiter.vote", pair));
            journal.rulingStored(r, env);
            LOG.atInfo().addKeyValue("dispute", d.id()).addKeyValue("decision", r.decision().code())
                    .addKeyValue("was", before).addKeyValue("now", d.status()).addKeyValue("from", p.label(env.from()))
                    .log(d.status() == DisputeStatus.CONTESTED ? "ruling accepted: the dispute is contested" : "ruling accepted");
            if (d.status() == DisputeStatus.CONTESTED && before != DisputeStatus.CONTESTED) {
                reactions.contested(d);
            }
            rejudgeBuffered(d, p);
        }
    }

    /**
     * The status the votes held say, whatever order they came in: CONTESTED if both decisions have M (only
     * possible when arbiters equivocated, or when M + M arbiters voted apart before either side was seen),
     * RESOLVED once one has M — also out of EXPIRED or DEADLOCKED, the votes being signed in time — and
     * DEADLOCKED while open once no decision can reach M any more.
     */
    private void settle(Dispute d, NodeId lastVoter, ArbiterPolicy p, boolean replay) {
        if (d.count(Decision.BUYER) >= p.required() && d.count(Decision.SELLER) >= p.required()) {
            if (d.status() != DisputeStatus.CONTESTED) {
                d.contest();
                if (!replay) {
                    LOG.atWarn().addKeyValue("dispute", d.id()).log("dispute contested: both decisions have M votes");
                    reactions.contested(d);
                }
            }
            return;
        }
        if (d.status() == DisputeStatus.RESOLVED || d.status() == DisputeStatus.CONTESTED) {
            return;
        }
        for (Decision dec : Decision.values()) {
            if (d.count(dec) >= p.required()) {
                d.resolve(dec);
                if (!replay) {
                    LOG.atInfo().addKeyValue("dispute", d.id()).addKeyValue("decision", dec.code())
                            .addKeyValue("votes", d.votes().size()).log("dispute resolved");
                    reactions.resolved(d, lastVoter);
                }
                return;
            }
        }
        boolean undecided = d.status().active() || d.status() == DisputeStatus.EXPIRED;
        if (undecided && !DisputeRules.canStillReach(d, p)) {
            d.moveTo(DisputeStatus.DEADLOCKED);
            if (!replay) {
                LOG.atInfo().addKeyValue("dispute", d.id()).addKeyValue("buyer", d.count(Decision.BUYER))
                        .addKeyValue("seller", d.count(Decision.SELLER))
                        .log("dispute deadlocked: M agreeing votes can no longer happen");
            }
        }
    }
}
