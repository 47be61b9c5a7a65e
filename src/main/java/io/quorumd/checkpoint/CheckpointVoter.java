package io.quorumd.checkpoint;

import io.quorumd.config.QuorumdConfig.Tolerance;
import io.quorumd.crypto.CanonicalJson;
import io.quorumd.crypto.Hashes;
import io.quorumd.crypto.NodeId;
import io.quorumd.loop.InboundMessage;
import io.quorumd.loop.TimerKey;
import io.quorumd.wire.CheckpointProposal;
import io.quorumd.wire.CheckpointTuple;
import io.quorumd.wire.CheckpointVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.Role;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The voter's side: checks a peer's proposal, derives its own view of the subject as of the proposal's
 * asOf, and signs — once per proposal, ever — either the proposer's values (within tolerance) or its own,
 * always with its own previousCheckpointId and the proposal's asOf and round.
 */
final class CheckpointVoter {
    /** Time to publish the vote on a proposal (after the jitter). */
    record VoteDue(String proposalId) implements TimerKey {
    }

    private final CheckpointContext ctx;
    private final Map<String, Envelope> waiting = new HashMap<>();

    CheckpointVoter(CheckpointContext ctx) {
        this.ctx = ctx;
    }

    static String proposalId(Envelope proposal) {
        return Hashes.contentId(CanonicalJson.encode(proposal.toJson()));
    }

    void onProposal(InboundMessage m, boolean recovered) {
        Envelope env = m.envelope();
        CheckpointTuple p = ((CheckpointProposal) env.body()).tuple();
        if (env.from().equals(ctx.self())) {
            return;
        }
        if (!p.subjectId().equals(env.from().hex())) {
            ctx.journal().rejected("not_subject", "proposal by " + env.from().shortHex() + " for another subject");
            return;
        }
        if (!recovered || !ctx.roster().byId(ctx.self()).map(me -> me.has(Role.VOTER)).orElse(false)) {
            return;
        }
        long now = ctx.now();
        if (p.asOf() > now + ctx.skewMs()) {
            ctx.journal().rejected("future_asof", "proposal of " + env.from().shortHex() + " is dated ahead");
            return;
        }
        if (now - p.asOf() > ctx.settings().voteWindow().toMillis() + ctx.skewMs()) {
            ctx.journal().rejected("stale_proposal", "proposal of " + env.from().shortHex() + " is past its window");
            return;
        }
        ctx.journal().accepted(m);
        String id = proposalId(env);
        Duration jitter = ctx.settings().voteJitter();
        if (jitter.isZero()) {
            vote(id, env);
        } else {
            waiting.put(id, env);
            ctx.scheduler().schedule(Duration.ofMillis((long) (ctx.jitter().nextDouble() * jitter.toMillis())),
                    new VoteDue(id));
        }
    }

    void onVoteDue(VoteDue due) {
        Envelope env = waiting.remove(due.proposalId());
        if (env != null) {
            vote(due.proposalId(), env);
        }
    }

    private void vote(String proposalId, Envelope proposal) {
        CheckpointTuple p = ((CheckpointProposal) proposal.body()).tuple();
        NodeId subject = proposal.from();
        UptimeStats mine = ctx.history().derive(subject, ctx.store().base(subject), p.asOf());
        boolean approve = within(p, mine, ctx.settings().tolerance());
        CheckpointTuple signed = new CheckpointTuple(p.subjectId(), p.asOf(),
                approve ? p.restarts() : mine.restarts(), approve ? p.totalUptime() : mine.totalUptime(),
                approve ? p.firstSeen() : mine.firstSeen(), ctx.store().latestId(subject), p.round());
        ctx.slots().signOnce("checkpoint/vote/" + proposalId, MessageType.CHECKPOINT_VOTE,
                new CheckpointVote(proposalId, approve, signed), ctx.topics().checkpointVote(p.subjectId()), false);
    }

    static boolean within(CheckpointTuple p, UptimeStats mine, Tolerance tol) {
        return Math.abs(p.restarts() - mine.restarts()) <= tol.restarts()
                && Math.abs(p.totalUptime() - mine.totalUptime()) <= tol.uptime().toSeconds()
                && Math.abs(p.firstSeen() - mine.firstSeen()) <= tol.firstSeen().toSeconds();
    }
}
