package io.quorumd.checkpoint;

import io.quorumd.config.QuorumdConfig.CheckpointSection;
import io.quorumd.crypto.NodeId;
import io.quorumd.loop.InboundMessage;
import io.quorumd.loop.Outbox;
import io.quorumd.loop.Scheduler;
import io.quorumd.loop.TimerKey;
import io.quorumd.loop.VoteGuard;
import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Roster;
import io.quorumd.wire.SlotSigner;
import io.quorumd.wire.Topics;
import java.time.Clock;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoint consensus for one node (DESIGN §6), without I/O: proposals and votes through
 * {@link SlotSigner} (one signature per slot, ever), finals through the {@link Outbox}, records through the
 * {@link CheckpointJournal}. Neither votes nor proposes until {@code bootGrace} after {@link #start()}, so
 * the ledger replay, retained finals and presence have arrived first. Loop thread only.
 */
public final class CheckpointMachine {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointMachine.class);

    /** Time to check whether to propose. */
    public record CheckDue() implements TimerKey {
    }

    /** End of the boot grace. */
    public record GraceOver() implements TimerKey {
    }

    private final CheckpointContext ctx;
    private final CheckpointVoter voter;
    private final CheckpointProposer proposer;
    private boolean recovered;

    /** With a fixed roster. */
    public CheckpointMachine(NodeId self, Roster roster, CheckpointSection settings, long skewMs, Clock clock,
                             Scheduler scheduler, SlotSigner slots, EnvelopeSigner signer, Topics topics, Outbox outbox,
                             CheckpointJournal journal, RunHistory history, CheckpointStore store,
                             LongSupplier onlinePeers, VoteGuard guard, Random jitter) {
        this(self, () -> roster, settings, skewMs, clock, scheduler, slots, signer, topics, outbox, journal, history, store,
                onlinePeers, guard, jitter);
    }

    /**
     * With the roster of the moment: {@code roster} returns the current immutable snapshot, and every
     * proposal, vote and final is judged by the one it returns then.
     */
    public CheckpointMachine(NodeId self, Supplier<Roster> roster, CheckpointSection settings, long skewMs, Clock clock,
                             Scheduler scheduler, SlotSigner slots, EnvelopeSigner signer, Topics topics, Outbox outbox,
                             CheckpointJournal journal, RunHistory history, CheckpointStore store,
                             LongSupplier onlinePeers, VoteGuard guard, Random jitter) {
        this.ctx = new CheckpointContext(self, roster, settings, skewMs, clock, scheduler, slots, signer, topics, outbox,
                journal, history, store, onlinePeers, guard, jitter);
        this.voter = new CheckpointVoter(ctx);
        this.proposer = new CheckpointProposer(ctx);
    }

    /**
     * {@code action} runs, with the proposer, when a proposal chains to a final this node does not hold (one
     * lost on its way here, or never published by a subject that crashed after storing it): without it, this node's votes would
     * chain elsewhere and, with minVoters = N−1, keep the subject from ever checkpointing again.
     */
    public void onGap(Consumer<NodeId> action) {
        voter.onGap(action);
    }

    public void start() {
        ctx.scheduler().schedule(ctx.settings().bootGrace(), new GraceOver());
        ctx.scheduler().schedule(ctx.settings().checkEvery(), new CheckDue());
    }

    /** True for the timer keys this machine owns. */
    public static boolean owns(TimerKey key) {
        return key instanceof CheckDue || key instanceof GraceOver || key instanceof CheckpointVoter.VoteDue
                || key instanceof CheckpointProposer.VoteWindowClosed;
    }

    public void onTimer(TimerKey key) {
        if (key instanceof GraceOver) {
            recovered = true;
            LOG.atInfo().addKeyValue("subjects_known", ctx.store().latest().size()).log("boot recovery finished");
        } else if (key instanceof CheckDue) {
            if (proposer.blocker(recovered, false).isEmpty()) {
                proposer.propose();
            }
            ctx.scheduler().schedule(ctx.settings().checkEvery(), new CheckDue());
        } else if (key instanceof CheckpointVoter.VoteDue due) {
            voter.onVoteDue(due);
        } else if (key instanceof CheckpointProposer.VoteWindowClosed closed) {
            proposer.onWindowClosed(closed);
        }
    }

    public void onMessage(InboundMessage m) {
        switch (m.envelope().type()) {
            case CHECKPOINT_PROPOSAL -> voter.onProposal(m, recovered);
            case CHECKPOINT_VOTE -> proposer.onVote(m);
            case CHECKPOINT_FINAL -> onFinal(m.envelope());
            default -> throw new IllegalArgumentException("not a checkpoint message: " + m.envelope().type());
        }
    }

    private void onFinal(Envelope env) {
        CheckpointFinal f = (CheckpointFinal) env.body();
        if (ctx.store().knows(f.checkpointId())) {
            if (!env.from().equals(ctx.self())) {
                ctx.journal().rejected("duplicate", "checkpoint " + f.checkpointId() + " is already stored");
                ctx.journal().decisionSeen(env);
            }
            return;
        }
        Optional<String> invalid = CheckpointValidator.validate(f, ctx.roster(), ctx.settings().minVoters(), ctx.now(),
                ctx.skewMs());
        if (invalid.isPresent()) {
            ctx.journal().rejected("invalid_final", invalid.get());
            return;
        }
        if (ctx.store().keep(f, env)) {
            ctx.journal().finalStored(f, env);
        } else {
            ctx.journal().rejected("stale_final", "checkpoint " + f.checkpointId() + " of "
                    + f.tuple().subjectId().substring(0, 8) + " is older than the latest stored");
        }
    }

    /** "checkpoint now": proposes at once, or says why not. */
    public String proposeNow() {
        Optional<String> blocked = proposer.blocker(recovered, true);
        if (blocked.isPresent()) {
            return "not proposing: " + blocked.get();
        }
        return "proposed as of " + proposer.propose().asOf();
    }

    /** Boot recovery is over: this node proposes and votes. */
    public boolean recovered() {
        return recovered;
    }

    public boolean collecting() {
        return proposer.collecting();
    }
}
