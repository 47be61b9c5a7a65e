package io.quorumd.checkpoint;

import io.quorumd.config.QuorumdConfig.Tolerance;
import io.quorumd.crypto.NodeId;
import io.quorumd.loop.InboundMessage;
import io.quorumd.loop.TimerKey;
import io.quorumd.loop.VoteGuard;
import io.quorumd.wire.CheckpointProposal;
import io.quorumd.wire.CheckpointTuple;
import io.quorumd.wire.CheckpointVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The voter's side: checks a peer's proposal, derives its own view of the subject as of the proposal's
 * asOf, and signs — once per (subject, asOf, round), ever — either the proposer's values (within tolerance)
 * or its own, always with its own previousCheckpointId and the proposal's asOf and round.
 * <p>
 * A subject can sign anything, so: a proposal seen again changes nothing and sends nothing (a counted
 * {@code duplicate}); a second, different proposal for a slot already voted on is equivocation evidence and
 * gets no vote; a subject's proposals must move forward (asOf, then round); and at most
 * {@link #VOTES_PER_WINDOW} votes per subject per {@code voteWindow} are signed. State per subject (the last
 * proposal voted on and the times of recent votes) is bounded by the roster: a proposal from outside the
 * roster of the moment (one admitted under an older roster) is refused as {@code not_a_member}, and the
 * state of members removed is dropped once the roster changes; pending jittered votes by the same budget.
 */
final class CheckpointVoter {
    static final int VOTES_PER_WINDOW = 4;

    /** Time to publish the vote for a slot (after the jitter). */
    record VoteDue(String slot) implements TimerKey {
    }

    /** What this voter last did for one subject. */
    private static final class Subject {
        Envelope proposal;
        String slot;
        boolean evidenced;
        long asOf = Long.MIN_VALUE;
        int round;
        final Deque<Long> recentVotes = new ArrayDeque<>();
    }

    private final CheckpointContext ctx;
    private final Map<String, Envelope> waiting = new HashMap<>();
    private final Map<NodeId, Subject> subjects = new HashMap<>();
    private Roster pruned;
    private Consumer<NodeId> gap = proposer -> { };

    CheckpointVoter(CheckpointContext ctx) {
        this.ctx = ctx;
    }

    static String proposalId(Envelope proposal) {
        return proposal.contentId();
    }

    /** The sign-once slot of a vote: one per subject, asOf and round, whatever the proposal envelope's ts. */
    static String slot(CheckpointTuple t) {
        return "checkpoint/vote/" + t.subjectId() + "/" + t.asOf() + "/" + t.round();
    }

    void onProposal(InboundMessage m, boolean recovered) {
        Envelope env = m.envelope();
        CheckpointTuple p = ((CheckpointProposal) env.body()).tuple();
        if (env.from().equals(ctx.self())) {
            return; // the broker's echo of our own proposal
        }
        String who = env.from().shortHex();
        if (!p.subjectId().equals(env.from().hex())) {
            ctx.journal().rejected("not_subject", "proposal by " + who + " for another subject");
            return;
        }
        Roster roster = ctx.roster();
        if (roster.byId(env.from()).isEmpty()) {
            ctx.journal().rejected("not_a_member", "proposal by " + who + ", who is not in the roster");
            return;
        }
        if (roster != pruned) {
            subjects.keySet().removeIf(id -> roster.byId(id).isEmpty());
            pruned = roster;
        }
        if (!recovered || !roster.byId(ctx.self()).map(me -> me.has(Role.VOTER)).orElse(false)) {
            return;
        }
        long now = ctx.now();
        if (p.asOf() > now + ctx.skewMs()) {
            ctx.journal().rejected("future_asof", "proposal of " + who + " is dated ahead");
            return;
        }
        if (now - p.asOf() > ctx.settings().voteWindow().toMillis() + ctx.skewMs()) {
            ctx.journal().rejected("stale_proposal", "proposal of " + who + " is past its window");
            return;
        }
        Optional<VoteGuard.Refusal> barred = ctx.guard().refusal(p.asOf()); // DESIGN §13: sign once across a lost disk
        if (barred.isPresent()) {
            ctx.journal().rejected(barred.get().code(), "no vote on the proposal of " + who + ": " + barred.get().detail());
            return;
        }
        Subject s = subjects.computeIfAbsent(env.from(), k -> new Subject());
        String slot = slot(p);
        if (ctx.slots().signed(slot).isPresent() || waiting.containsKey(slot)) {
            if (env.equals(s.proposal)) {
                ctx.journal().rejected("duplicate", "proposal of " + who + " again");
            } else if (slot.equals(s.slot)) {
                ctx.journal().rejected("equivocation", "a different proposal of " + who + " for one asOf and round");
                if (!s.evidenced) {
                    s.evidenced = true;
                    ctx.journal().evidence("checkpoint.proposal", List.of(s.proposal, env));
                }
            } else {
                ctx.journal().rejected("already_voted", "proposal of " + who + " for a slot already voted on");
            }
            return;
        }
        if (p.asOf() < s.asOf || (p.asOf() == s.asOf && p.round() <= s.round)) {
            ctx.journal().rejected("stale_proposal", "proposal of " + who + " is older than one already voted on");
            return;
        }
        long window = ctx.settings().voteWindow().toMillis();
        while (!s.recentVotes.isEmpty() && now - s.recentVotes.peekFirst() >= window) {
            s.recentVotes.removeFirst();
        }
        if (s.recentVotes.size() >= VOTES_PER_WINDOW) {
            ctx.journal().rejected("proposal_rate", VOTES_PER_WINDOW + " votes for " + who + " within one vote window");
            return;
        }
        s.proposal = env;
        s.slot = slot;
        s.evidenced = false;
        s.asOf = p.asOf();
        s.round = p.round();
        s.recentVotes.addLast(now);
        ctx.journal().accepted(m);
        if (!p.previousCheckpointId().isEmpty() && !ctx.store().knows(p.previousCheckpointId())) {
            gap.accept(env.from()); // the subject's last final never reached here: its proposer holds it for sure
        }
        Duration jitter = ctx.settings().voteJitter();
        long delay = jitter.isZero() ? 0 : (long) (ctx.jitter().nextDouble() * jitter.toMillis());
        delay = Math.max(delay, p.asOf() - now); // never signed before its asOf (DESIGN §13)
        if (delay == 0) {
            vote(env);
        } else {
            waiting.put(slot, env);
            ctx.scheduler().schedule(Duration.ofMillis(delay), new VoteDue(slot));
        }
    }

    /** What to do when a proposal chains to a final this node does not hold. */
    void onGap(Consumer<NodeId> action) {
        gap = action;
    }

    void onVoteDue(VoteDue due) {
        Envelope env = waiting.remove(due.slot());
        if (env != null) {
            vote(env);
        }
    }

    private void vote(Envelope proposal) {
        CheckpointTuple p = ((CheckpointProposal) proposal.body()).tuple();
        NodeId subject = proposal.from();
        UptimeStats mine = ctx.history().derive(subject, ctx.store().base(subject), p.asOf());
        boolean approve = within(p, mine, ctx.settings().tolerance());
        CheckpointTuple signed = new CheckpointTuple(p.subjectId(), p.asOf(),
                approve ? p.restarts() : mine.restarts(), approve ? p.totalUptime() : mine.totalUptime(),
                approve ? p.firstSeen() : mine.firstSeen(), ctx.store().latestId(subject), p.round());
        ctx.slots().signOnce(slot(p), MessageType.CHECKPOINT_VOTE, new CheckpointVote(proposalId(proposal), approve, signed),
                ctx.topics().checkpointVote(p.subjectId()), false);
    }

    static boolean within(CheckpointTuple p, UptimeStats mine, Tolerance tol) {
        return Math.abs(p.restarts() - mine.restarts()) <= tol.restarts()
                && Math.abs(p.totalUptime() - mine.totalUptime()) <= tol.uptime().toSeconds()
                && Math.abs(p.firstSeen() - mine.firstSeen()) <= tol.firstSeen().toSeconds();
    }
}
