package io.quorumd.order;

import io.quorumd.crypto.NodeId;
import io.quorumd.loop.Outbox;
import io.quorumd.loop.Scheduler;
import io.quorumd.loop.TimerKey;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.Member;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderItem;
import io.quorumd.wire.SlotSigner;
import io.quorumd.wire.Topics;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Optional;

/**
 * Ordering across epochs (DESIGN §12): one {@link Replica} for the current epoch over the replicated
 * {@link FederationState}, and the replicas of the last {@value #RETIRED_KEPT} closed epochs, kept so that each
 * epoch certificate (q checkpoints at the closing seq) forms and replicas that lag can still fetch the batches
 * that finish those epochs. When a roster
 * change executes at seq s, the next epoch's replica starts at s with the new roster, its replicas and q, view 0;
 * the node is told at once ({@link Listener#epochChanged}), so it applies the new roster right after executing
 * s. Messages of older epochs are refused as {@code stale_epoch}, of later ones as {@code future_epoch} (a
 * node that lags gets them again by retransmission once it has executed s, and is told it lags:
 * {@link OrderJournal#behind}). A member that is not a replica of
 * the epoch follows: it executes committed batches whose proofs verify and signs nothing. Loop thread only.
 */
public final class Federation {
    /** What the node does with ordering's results. */
    public interface Listener {
        /** A batch executed at {@code seq} of {@code epoch}, with its commit proof and the items' results. */
        void executed(long epoch, long seq, long view, long ts, List<OrderItem> items, List<Envelope> commits,
                      List<FederationState.Result> results);

        /** The roster changed: everything that checks membership switches to {@code change.roster()} now. */
        void epochChanged(FederationState.EpochChange change, NodeId self);

        /** q replicas of {@code epoch} signed the state at its closing seq: the epoch certificate. */
        void epochCertified(long epoch, long seq, String stateDigest, List<Envelope> certificate);

        /**
         * Whether this node signs as {@code self} right away after its own rotation executed (its signer took the
         * new key); if not, ordering holds still until the node restarts with it and refuses everything meanwhile.
         */
        default boolean signsAs(NodeId self) {
            return true;
        }
    }

    private final OrderParams params;
    private final Clock clock;
    private final Scheduler scheduler;
    private final SlotSigner signer;
    private final Outbox outbox;
    private final Topics topics;
    private final OrderJournal journal;
    private final Listener listener;
    private final FederationState state;
    private NodeId self;
    /** Replicas kept after their epoch closed, newest first, so replicas that lag can still finish those epochs. */
    static final int RETIRED_KEPT = 3;

    private Replica current;
    private final Deque<Replica> retired = new ArrayDeque<>();
    private final Set<Long> certified = new HashSet<>();
    private volatile RosterSnapshot snapshot;
    /** This node's rotation executed and its signer still holds the old key: nothing more is done here. */
    private boolean rekeying;

    public Federation(NodeId self, FederationState state, OrderParams params, Clock clock, Scheduler scheduler,
                      SlotSigner signer, Outbox outbox, Topics topics, OrderJournal journal, Listener listener) {
        this(self, state, params, clock, scheduler, signer, outbox, topics, journal, listener,
                Replica.Start.at(state.lastSeq(), state.lastTs()));
    }

    /** A federation whose current replica starts at {@code first} (a restart: its epoch began before). */
    public Federation(NodeId self, FederationState state, OrderParams params, Clock clock, Scheduler scheduler,
                      SlotSigner signer, Outbox outbox, Topics topics, OrderJournal journal, Listener listener,
                      Replica.Start first) {
        this.self = self;
        this.state = state;
        this.params = params;
        this.clock = clock;
        this.scheduler = scheduler;
        this.signer = signer;
        this.outbox = outbox;
        this.topics = topics;
        this.journal = journal;
        this.listener = listener;
        this.current = replicaFor(new ReplicaSet(state.epoch(), state.roster()), first);
        this.snapshot = RosterSnapshot.of(state.roster());
    }

    private Replica replicaFor(ReplicaSet set, Replica.Start start) {
        long epoch = set.epoch();
        OrderJournal tap = new OrderJournal() {
            @Override
            public void refused(String reason, String detail) {
                journal.refused(reason, detail);
            }

            @Override
            public void evidence(Envelope first, Envelope second) {
                journal.evidence(first, second);
            }

            @Override
            public void executed(long seq, long view, List<OrderItem> items, List<Envelope> commits) {
                journal.executed(seq, view, items, commits);
                long ts = state.lastTs();
                listener.executed(epoch, seq, view, ts, items, commits, state.lastResults());
            }

            @Override
            public void diverged(long seq, String ownDigest, String stableDigest) {
                journal.diverged(seq, ownDigest, stableDigest);
            }

            @Override
            public void viewChangeStarted(long view) {
                journal.viewChangeStarted(view);
            }

            @Override
            public void viewEntered(long view) {
                journal.viewEntered(view);
            }

            @Override
            public void prepared(long view, long seq, String digest, List<Envelope> prepares) {
                journal.prepared(view, seq, digest, prepares);
            }

            @Override
            public void behind() {
                journal.behind();
            }

            @Override
            public void stable(long seq, String stateDigest, List<Envelope> certificate) {
                journal.stable(seq, stateDigest, certificate);
                stable(seq, stateDigest);
            }

            @Override
            public void stable(long seq, String stateDigest) {
                retiredOf(epoch).filter(r -> seq == r.closedAt() && certified.add(epoch))
                        .ifPresent(r -> certify(r, stateDigest));
            }
        };
        return new Replica(self, set, params, clock, scheduler, signer, outbox, topics, tap, state, start);
    }

    public void start() {
        current.start();
    }

    public FederationState state() {
        return state;
    }

    /** The replica of the current epoch (for status and the CLI). */
    public Replica current() {
        return current;
    }

    public NodeId self() {
        return self;
    }

    /**
     * The member whose key signed {@code env}: in the current roster; for the votes, checkpoints and batches
     * that finish the epoch just closed, also in that epoch's roster (keys since rotated or removed sign them).
     * Anything else from a key not in the current roster is from an unknown sender.
     */
    public Optional<Member> signer(Envelope env) {
        return snapshot.signer(env);
    }

    /** The rosters {@link #signer} judges by, as one value any thread may read. */
    public RosterSnapshot snapshot() {
        return snapshot;
    }

    private Optional<Replica> retiredOf(long epoch) {
        return retired.stream().filter(r -> r.epoch() == epoch).findFirst();
    }

    /** A verified envelope of an ordering type (the gate checked its signature against the current roster). */
    public void onMessage(Envelope env) {
        if (rekeying) {
            journal.refused("rekeying", env.type().wireName() + ": this node's key was rotated; it restarts with the new one");
            return;
        }
        Optional<Long> epoch = OrderMessages.epochOf(env);
        if (epoch.isEmpty()) {
            journal.refused("not_order", env.type().wireName() + " is not an ordering message");
            return;
        }
        long e = epoch.get();
        Optional<Replica> old = retiredOf(e);
        if (e == current.epoch()) {
            current.onMessage(env);
            switchIfClosed();
        } else if (old.isPresent() && env.type() != MessageType.ORDER_REQUEST && env.type() != MessageType.ORDER_ENDORSE) {
            old.get().onMessage(env);
        } else if (e < current.epoch()) {
            journal.refused("stale_epoch", env.type().wireName() + " of epoch " + e + " in epoch " + current.epoch());
        } else {
            journal.refused("future_epoch", env.type().wireName() + " of epoch " + e + " in epoch " + current.epoch());
            current.markBehind();
            journal.behind();
        }
    }

    /** A timer of a replica; timers of replicas no longer kept are dropped. */
    public void onTimer(TimerKey key) {
        Optional<Long> epoch = OrderMessages.epochOf(key);
        if (epoch.isEmpty() || rekeying) {
            return;
        }
        if (epoch.get() == current.epoch()) {
            current.onTimer(key);
            switchIfClosed();
        } else {
            retiredOf(epoch.get()).ifPresent(r -> r.onTimer(key));
        }
    }

    public static boolean owns(TimerKey key) {
        return OrderMessages.epochOf(key).isPresent();
    }

    private void switchIfClosed() {
        if (current.closedAt() == 0) {
            return;
        }
        FederationState.EpochChange change = state.closedEpoch().orElseThrow(
                () -> new IllegalStateException("epoch " + current.epoch() + " closed without a roster change"));
        Replica closed = current;
        retired.addFirst(closed);
        while (retired.size() > RETIRED_KEPT) {
            long gone = retired.removeLast().epoch();
            certified.remove(gone);
            snapshot = snapshot.certified(gone);
        }
        // a follower takes none of the messages that finish an epoch: it never lets a closed epoch's keys in
        snapshot = closed.passive() ? RosterSnapshot.of(change.roster())
                : snapshot.changedTo(change.roster(), closed.epoch());
        NodeId before = self;
        self = state.current(self);
        listener.epochChanged(change, self);
        current = replicaFor(new ReplicaSet(change.epoch(), change.roster()),
                Replica.Start.at(state.lastSeq(), state.lastTs()));
        rekeying = !self.equals(before) && !listener.signsAs(self);
        if (rekeying) {
            return;
        }
        current.start();
        if (closed.stableAt() == closed.closedAt() && certified.add(closed.epoch())) {
            certify(closed, closed.stableDigest());
        }
    }

    /** {@code closed}'s certificate stands: its keys finish nothing more, and the node hears of it. */
    private void certify(Replica closed, String stateDigest) {
        snapshot = snapshot.certified(closed.epoch());
        listener.epochCertified(closed.epoch(), closed.closedAt(), stateDigest, closed.stableCertificate());
    }
}
