package io.quorumd.checkpoint;

import io.quorumd.crypto.NodeId;
import io.quorumd.loop.InboundMessage;
import io.quorumd.loop.TimerKey;
import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.CheckpointProposal;
import io.quorumd.wire.CheckpointTuple;
import io.quorumd.wire.CheckpointVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.Role;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subject's side: proposes its self-view every {@code interval} (counted from its last checkpoint or
 * first boot) when enough peers are online, tallies votes one per voter by full tuple, finalizes as soon
 * as a group reaches {@code minVoters} (counting only voters of the roster of the moment, so a voter
 * removed meanwhile no longer counts), tries round 2 with the trimmed mean of round-1 votes when the
 * window closes without one, and after a failed round 2 waits a full interval.
 */
final class CheckpointProposer {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointProposer.class);

    /** End of the vote window of the proposal (asOf, round). */
    record VoteWindowClosed(long asOf, int round) implements TimerKey {
    }

    private final CheckpointContext ctx;
    private VoteTally tally;
    private String lastFinishedProposal = "";
    private long notBefore;

    CheckpointProposer(CheckpointContext ctx) {
        this.ctx = ctx;
    }

    /** Why a proposal cannot start now, or empty if it can. */
    Optional<String> blocker(boolean recovered, boolean ignoreInterval) {
        long now = ctx.now();
        if (!recovered) {
            return Optional.of("boot recovery is not finished");
        }
        if (tally != null) {
            return Optional.of("a proposal is collecting votes");
        }
        if (ctx.onlinePeers().getAsLong() < ctx.settings().minVoters()) {
            return Optional.of(ctx.onlinePeers().getAsLong() + " peers online, fewer than minVoters "
                    + ctx.settings().minVoters());
        }
        if (!ignoreInterval) {
            if (now < notBefore) {
                return Optional.of("round 2 failed; waiting a full interval");
            }
            if (now - lastCheckpointOrFirstBoot() < ctx.settings().interval().toMillis()) {
                return Optional.of("interval not yet elapsed");
            }
        }
        return Optional.empty();
    }

    private long lastCheckpointOrFirstBoot() {
        return ctx.store().latest(ctx.self()).map(s -> s.checkpoint().tuple().asOf())
                .orElseGet(() -> ctx.history().derive(ctx.self(), null, ctx.now()).firstSeen() * 1000);
    }

    /** Proposes round 1 as of now with this node's own view. */
    CheckpointTuple propose() {
        long asOf = ctx.now();
        UptimeStats me = ctx.history().derive(ctx.self(), ctx.store().base(ctx.self()), asOf);
        return send(new CheckpointTuple(ctx.self().hex(), asOf, me.restarts(), me.totalUptime(), me.firstSeen(),
                ctx.store().latestId(ctx.self()), 1));
    }

    private CheckpointTuple send(CheckpointTuple t) {
        Envelope env = ctx.slots().signOnce("checkpoint/proposal/" + t.asOf() + "/" + t.round(),
                MessageType.CHECKPOINT_PROPOSAL, new CheckpointProposal(t), ctx.topics().checkpointPropose(), false);
        tally = new VoteTally(CheckpointVoter.proposalId(env), env, ((CheckpointProposal) env.body()).tuple());
        ctx.scheduler().schedule(ctx.settings().voteWindow(), new VoteWindowClosed(t.asOf(), t.round()));
        LOG.atInfo().addKeyValue("round", t.round()).addKeyValue("as_of", t.asOf()).addKeyValue("restarts", t.restarts())
                .addKeyValue("uptime_s", t.totalUptime()).addKeyValue("first_seen", t.firstSeen())
                .log("checkpoint proposed");
        return tally.proposed;
    }

    void onVote(InboundMessage m) {
        Envelope env = m.envelope();
        CheckpointVote vote = (CheckpointVote) env.body();
        if (!vote.tuple().subjectId().equals(ctx.self().hex())) {
            return; // another subject's vote (only seen with a broadcast vote topology)
        }
        if (env.from().equals(ctx.self())) {
            ctx.journal().rejected("self_vote", "a vote from this node on its own proposal");
            return;
        }
        if (!isVoter(env.from())) {
            ctx.journal().rejected("not_a_voter", env.from().shortHex() + " has no voter role");
            return;
        }
        if (tally == null && vote.proposalId().equals(lastFinishedProposal)) {
            LOG.atDebug().addKeyValue("voter", env.from().shortHex()).log("late vote for a finished proposal ignored");
            return;
        }
        if (tally == null || !vote.proposalId().equals(tally.proposalId) || vote.tuple().asOf() != tally.proposed.asOf()
                || vote.tuple().round() != tally.proposed.round()) {
            ctx.journal().rejected("stale_vote", "vote from " + env.from().shortHex() + " is not for the open proposal");
            return;
        }
        switch (tally.add(env)) {
            case DUPLICATE -> ctx.journal().rejected("duplicate_vote", "same vote again from " + env.from().shortHex());
            case EQUIVOCATION -> {
                ctx.journal().rejected("equivocation", "a second, different vote from " + env.from().shortHex());
                ctx.journal().evidence("checkpoint.vote", List.of(tally.voteOf(env.from()), env));
            }
            case REPEATED_EQUIVOCATION -> ctx.journal().rejected("equivocation",
                    "yet another different vote from " + env.from().shortHex() + "; its evidence is already stored");
            case COUNTED -> {
                ctx.journal().accepted(m);
                if (!vote.tuple().previousCheckpointId().equals(tally.proposed.previousCheckpointId())) {
                    ctx.journal().rejected("other_previous_checkpoint",
                            "vote from " + env.from().shortHex() + " chains to another checkpoint; grouped apart");
                }
                tally.reached(ctx.settings().minVoters(), this::isVoter).ifPresent(this::finish);
            }
        }
    }

    void onWindowClosed(VoteWindowClosed closed) {
        if (tally == null || tally.proposed.asOf() != closed.asOf() || tally.proposed.round() != closed.round()) {
            return;
        }
        VoteTally done = tally;
        tally = null;
        List<CheckpointTuple> votes = done.votedTuples(this::isVoter);
        if (done.proposed.round() == 1 && !votes.isEmpty()) {
            CheckpointTuple p = done.proposed;
            send(new CheckpointTuple(p.subjectId(), p.asOf(),
                    TrimmedMean.of(votes.stream().map(CheckpointTuple::restarts).toList()),
                    TrimmedMean.of(votes.stream().map(CheckpointTuple::totalUptime).toList()),
                    TrimmedMean.of(votes.stream().map(CheckpointTuple::firstSeen).toList()),
                    p.previousCheckpointId(), 2));
            return;
        }
        notBefore = ctx.now() + ctx.settings().interval().toMillis();
        LOG.atWarn().addKeyValue("round", done.proposed.round()).addKeyValue("voters", done.voters())
                .log("checkpoint failed: no group reached minVoters; next try after a full interval");
    }

    private void finish(CheckpointTuple tuple) {
        VoteTally done = tally;
        tally = null;
        lastFinishedProposal = done.proposalId;
        boolean withProposal = done.proposed.equals(tuple);
        long now = ctx.now();
        long window = ctx.settings().interval().toMillis();
        List<NodeId> voters = new ArrayList<>(done.group(tuple, this::isVoter));
        voters.sort(Comparator.comparingLong((NodeId v) -> -ctx.history().recentUptime(v, now, window))
                .thenComparing(v -> v));
        int keep = Math.max(ctx.settings().minVoters(), ctx.settings().maxSignatures() - (withProposal ? 1 : 0));
        List<Envelope> votes = voters.stream().limit(keep).map(done::voteOf).toList();
        CheckpointFinal f = new CheckpointFinal(tuple, votes, withProposal ? Optional.of(done.proposal) : Optional.empty());
        Envelope env = ctx.signer().sign(MessageType.CHECKPOINT_FINAL, f);
        if (ctx.store().keep(f, env)) {
            ctx.journal().finalStored(f, env);
        }
        ctx.outbox().publish(ctx.topics().checkpointFinal(ctx.self().hex()), env, true);
        LOG.atInfo().addKeyValue("checkpoint", f.checkpointId()).addKeyValue("round", tuple.round())
                .addKeyValue("votes", votes.size()).addKeyValue("with_proposal", withProposal)
                .addKeyValue("uptime_s", tuple.totalUptime()).addKeyValue("restarts", tuple.restarts())
                .log("checkpoint final");
    }

    /** True if {@code id} is a voter of the roster of the moment: only their votes count. */
    private boolean isVoter(NodeId id) {
        return ctx.roster().byId(id).map(m -> m.has(Role.VOTER)).orElse(false);
    }

    boolean collecting() {
        return tally != null;
    }
}
