package io.quorumd.delivery;

import io.quorumd.config.QuorumdConfig.SyncSection;
import io.quorumd.crypto.NodeId;
import io.quorumd.loop.InboundMessage;
import io.quorumd.loop.Journal;
import io.quorumd.loop.Outbox;
import io.quorumd.loop.Scheduler;
import io.quorumd.loop.TimerKey;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.InboundVerifier;
import io.quorumd.wire.Member;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.Roster;
import io.quorumd.wire.SyncRequest;
import io.quorumd.wire.SyncResponse;
import io.quorumd.wire.Topics;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The asking side of sync: one session at a time, selector after selector, page after page from one online
 * peer — the next page asked only once the previous one was handled (flow control: a broker never holds more
 * than one page for this node). Every envelope of a page must verify as the inbound gate would and be of a kind
 * its selector serves; it then goes to the node through the same handlers as live input, marked as
 * history. A peer's own dispute opens are not taken from it (they come from another peer, or live), and
 * every page's {@code next} must lie beyond the cursor it answered. A session is complete after the last
 * page of its last selector; it is given up on a peer that does not answer within the timeout or sends a
 * cursor that does not move on (the next online peer is tried, {@link #MAX_PEERS_TRIED} in all), and ends
 * incomplete past {@link #MAX_PAGES} pages of one selector. What follows a session is the
 * {@link Listener}'s call.
 * <p>
 * A selector asked by position ({@code order}) is asked from where the node stands when its first page is
 * asked ({@link SyncSource#askFrom}); its pages come in position order, so each batch is the next one when it
 * arrives. A page that carried batches ahead of the node yet moved it no further (the peer's history begins
 * after the node's position, or it skipped or forged one) is a counted {@code sync_stalled}: the selector is
 * asked of the next online peer, and only when {@link #MAX_PEERS_TRIED} peers stalled it is it asked no further
 * in this session, and the outcome names it. Loop thread only.
 */
final class SyncClient {
    private static final Logger LOG = LoggerFactory.getLogger(SyncClient.class);
    static final int MAX_PAGES = 1000;
    static final int MAX_PEERS_TRIED = 3;
    /** The reason of a session asked for by a gap: it vouches for nobody. */
    static final String GAP = "gap";

    /** No answer to this request in time. */
    public record SyncTimeout(String requestId) implements TimerKey {
    }

    /**
     * How a session ended: the last peer asked, whether every page of every selector came, what it skipped, the
     * selectors whose pages stopped moving this node on, and whether {@code peer} alone served every selector this
     * node serves, from the first page of each to the last ({@code whole}: what vouches for a peer while catching up).
     */
    record Outcome(String reason, NodeId peer, boolean complete, int ownOpensSkipped, Set<NodeId> tried,
                   Set<String> stalled, boolean whole) {
    }

    /** Told when a session ends. */
    interface Listener {
        void ended(Outcome outcome);
    }

    private final class Session {
        final String reason;
        final List<String> selectors;
        final long since;
        final Set<NodeId> tried = new HashSet<>();
        final Set<String> stalled = new HashSet<>();
        /** Peers excluded by the caller: they count against no limit of this session. */
        int excluded;
        /** Another peer took over a selector part way through the session. */
        boolean handedOver;
        NodeId peer;
        int selector;
        long selectorSince;
        String cursor = "";
        String requestId = "";
        int pages;
        int received;
        int ownOpensSkipped;

        Session(String reason, List<String> selectors, long since) {
            this.reason = reason;
            this.selectors = selectors;
            this.since = since;
        }
    }

    private final NodeId self;
    private final SyncSection settings;
    private final Supplier<Roster> roster;
    private final Function<Envelope, Optional<Member>> signers;
    private final Clock clock;
    private final Scheduler scheduler;
    private final EnvelopeSigner signer;
    private final Topics topics;
    private final Outbox outbox;
    private final Journal journal;
    private final Supplier<List<NodeId>> onlinePeers;
    private final Map<String, SyncSource> sources;
    private final Consumer<InboundMessage> deliver;
    private final Listener listener;
    private final Random random;
    private Session current;

    SyncClient(NodeId self, SyncSection settings, Supplier<Roster> roster, Function<Envelope, Optional<Member>> signers,
               Clock clock, Scheduler scheduler, EnvelopeSigner signer, Topics topics, Outbox outbox, Journal journal,
               Supplier<List<NodeId>> onlinePeers, Map<String, SyncSource> sources, Consumer<InboundMessage> deliver,
               Listener listener, Random random) {
        this.self = self;
        this.settings = settings;
        this.roster = roster;
        this.signers = signers;
        this.clock = clock;
        this.scheduler = scheduler;
        this.signer = signer;
        this.topics = topics;
        this.outbox = outbox;
        this.journal = journal;
        this.onlinePeers = onlinePeers;
        this.sources = Map.copyOf(sources);
        this.deliver = deliver;
        this.listener = listener;
        this.random = random;
    }

    boolean running() {
        return current != null;
    }

    /** The peer of the running session, if any. */
    Optional<NodeId> peer() {
        return current == null ? Optional.empty() : Optional.ofNullable(current.peer);
    }

    /**
     * Starts a session unless one runs, with {@code peer} or a random online peer not in {@code exclude};
     * false if there is none to ask.
     */
    boolean start(String reason, List<String> selectors, long since, Optional<NodeId> peer, Set<NodeId> exclude) {
        if (current != null) {
            return true;
        }
        Session s = new Session(reason, selectors, since);
        s.tried.addAll(exclude);
        s.excluded = s.tried.size();
        s.peer = peer.orElseGet(() -> pick(s.tried).orElse(null));
        if (s.peer == null) {
            return false;
        }
        current = s;
        LOG.atInfo().addKeyValue("peer", roster.get().label(s.peer)).addKeyValue("reason", reason)
                .addKeyValue("selectors", String.join(",", selectors)).log("sync started");
        ask();
        return true;
    }

    private Optional<NodeId> pick(Set<NodeId> tried) {
        List<NodeId> candidates = new ArrayList<>(onlinePeers.get());
        candidates.removeIf(p -> tried.contains(p) || p.equals(self));
        return candidates.isEmpty() ? Optional.empty() : Optional.of(candidates.get(random.nextInt(candidates.size())));
    }

    private void ask() {
        Session s = current;
        String selector = s.selectors.get(s.selector);
        if (s.cursor.isEmpty()) {
            SyncSource source = sources.get(selector);
            s.selectorSince = source == null ? s.since : source.askFrom().orElse(s.since);
        }
        SyncRequest r = new SyncRequest(s.peer, 0, selector, s.selectorSince, s.cursor);
        Envelope env;
        try {
            env = signer.sign(MessageType.SYNC_REQUEST, r);
        } catch (IllegalArgumentException e) {
            LOG.atError().addKeyValue("error", e.getMessage()).log("sync: the next request cannot be signed");
            finish(false);
            return;
        }
        s.requestId = env.contentId();
        outbox.publish(topics.syncRequest(s.peer), env, false);
        scheduler.schedule(settings.timeout(), new SyncTimeout(s.requestId));
    }

    void onResponse(InboundMessage m) {
        SyncResponse r = (SyncResponse) m.envelope().body();
        Session s = current;
        if (s == null || !r.request().equals(s.requestId) || !m.envelope().from().equals(s.peer) || !r.to().equals(self)) {
            journal.rejected("stale_sync", "a sync page from " + roster.get().label(m.envelope().from())
                    + " nobody waits for");
            return;
        }
        String selector = s.selectors.get(s.selector);
        // the gate's signers of the moment for each envelope: a page of batches may change them on the way
        InboundVerifier verifier = new InboundVerifier(signers);
        SyncSource source = sources.get(selector);
        OptionalLong before = source == null ? OptionalLong.empty() : source.askFrom();
        long ahead = 0;
        for (Envelope e : r.envelopes()) {
            if (!serves(selector, e.type())) {
                journal.rejected("bad_sync_item", e.type().wireName() + " in a " + selector + " page");
                continue;
            }
            if (e.type() == MessageType.DISPUTE_OPEN && e.from().equals(s.peer)) {
                journal.rejected("sync_own_open", roster.get().label(s.peer) + " sent its own dispute open");
                s.ownOpensSkipped++;
                continue;
            }
            if (verifier.verify(e) instanceof InboundVerifier.Verdict.Accepted a) {
                s.received++;
                if (before.isPresent()) {
                    ahead = Math.max(ahead, source.positionOf(e).orElse(0));
                }
                deliver.accept(new InboundMessage(topics.syncResponse(self), e, a.sender(), InboundMessage.Origin.SYNC));
            } else {
                journal.rejected("bad_sync_item", e.type().wireName() + " of a sync page does not verify");
            }
        }
        s.pages++;
        long after = before.isPresent() ? source.askFrom().orElse(0) : 0;
        if (before.isPresent() && after == before.getAsLong() && ahead >= after) {
            journal.rejected("sync_stalled", "a " + selector + " page from " + roster.get().label(s.peer) + " reaching "
                    + ahead + " left this node at " + after);
            stalled(selector, after, ahead);
        } else if (!r.next().isEmpty() && r.next().compareTo(s.cursor) <= 0) {
            journal.rejected("bad_sync_cursor", roster.get().label(s.peer) + " answered cursor '" + s.cursor
                    + "' with next '" + r.next() + "'");
            giveUpOnPeer("its cursor does not move on");
        } else if (!r.next().isEmpty() && r.envelopes().isEmpty()) {
            journal.rejected("bad_sync_cursor", roster.get().label(s.peer) + " sent an empty page that goes on");
            giveUpOnPeer("an empty page that goes on");
        } else if (!r.next().isEmpty() && GAP.equals(s.reason) && selector.equals(SyncRequest.CHECKPOINTS)
                && s.pages > roster.get().size()) {
            // a gap's session, which a member can start at will by proposing: it may not hold the client for long.
            // A full session is not capped so: a server with a small pageSize holding former members' finals
            // may honestly send more pages than there are members now.
            journal.rejected("bad_sync_cursor", roster.get().label(s.peer) + " sent more checkpoint pages than there"
                    + " are members to a gap");
            giveUpOnPeer("more checkpoint pages than members");
        } else if (!r.next().isEmpty() && s.pages >= MAX_PAGES) {
            LOG.atWarn().addKeyValue("peer", roster.get().label(s.peer)).addKeyValue("selector", selector)
                    .addKeyValue("pages", s.pages).log("sync: page limit reached; the session ends incomplete");
            finish(false);
        } else if (!r.next().isEmpty()) {
            s.cursor = r.next();
            ask();
        } else {
            nextSelector();
        }
    }

    /**
     * The peer asked lacks what comes next in {@code selector} (its history begins later, or it skipped or forged
     * a batch): the next online peer is asked for the selector from where this node stands, as when a peer does
     * not answer ({@link #MAX_PEERS_TRIED} in all); the selector ends stalled only when none is left. A single
     * member thus cannot end catch-up by answering with one batch of its own making.
     */
    private void stalled(String selector, long at, long reaches) {
        Session s = current;
        s.tried.add(s.peer);
        Optional<NodeId> next = s.tried.size() - s.excluded < MAX_PEERS_TRIED ? pick(s.tried) : Optional.empty();
        LOG.atWarn().addKeyValue("peer", roster.get().label(s.peer)).addKeyValue("selector", selector)
                .addKeyValue("at", at).addKeyValue("page_reaches", reaches)
                .addKeyValue("next", next.map(roster.get()::label).orElse("none"))
                .log("sync: a page moved this node no further (the peer lacks what comes next)");
        if (next.isEmpty()) {
            s.stalled.add(selector);
            nextSelector();
            return;
        }
        s.peer = next.get();
        s.handedOver = true;
        s.cursor = "";
        s.pages = 0;
        ask();
    }

    /** The next selector's first page, or the end of a complete session. */
    private void nextSelector() {
        Session s = current;
        if (s.selector + 1 < s.selectors.size()) {
            s.selector++;
            s.cursor = "";
            s.pages = 0;
            ask();
        } else {
            finish(true);
        }
    }

    private static boolean serves(String selector, MessageType type) {
        return switch (selector) {
            case SyncRequest.CHECKPOINTS -> type == MessageType.CHECKPOINT_FINAL;
            case SyncRequest.DISPUTES -> type == MessageType.DISPUTE_OPEN || type == MessageType.DISPUTE_VOTE
                    || type == MessageType.DISPUTE_FALLBACK || type == MessageType.DISPUTE_RULING;
            case SyncRequest.ORDER -> type == MessageType.ORDER_COMMITTED || type == MessageType.ORDER_CHECKPOINT;
            default -> false;
        };
    }

    void onTimeout(SyncTimeout t) {
        Session s = current;
        if (s != null && s.requestId.equals(t.requestId())) {
            giveUpOnPeer("no answer in time");
        }
    }

    /** The peer asked is of no help: the next online one is asked from the start, or the session ends. */
    private void giveUpOnPeer(String why) {
        Session s = current;
        s.tried.add(s.peer);
        Optional<NodeId> next = s.tried.size() - s.excluded < MAX_PEERS_TRIED ? pick(s.tried) : Optional.empty();
        LOG.atWarn().addKeyValue("peer", roster.get().label(s.peer)).addKeyValue("why", why)
                .addKeyValue("next", next.map(roster.get()::label).orElse("none")).log("sync: giving up on a peer");
        if (next.isEmpty()) {
            finish(false);
            return;
        }
        s.peer = next.get();
        s.handedOver = false; // the next peer starts the session over
        s.selector = 0;
        s.cursor = "";
        s.pages = 0;
        ask();
    }

    private void finish(boolean complete) {
        Session s = current;
        current = null;
        LOG.atInfo().addKeyValue("peer", roster.get().label(s.peer)).addKeyValue("envelopes", s.received)
                .addKeyValue("complete", complete).log("sync finished");
        boolean whole = complete && !s.handedOver && s.stalled.isEmpty() && s.selectors.containsAll(sources.keySet())
                && !GAP.equals(s.reason);
        listener.ended(new Outcome(s.reason, s.peer, complete, s.ownOpensSkipped, Set.copyOf(s.tried),
                Set.copyOf(s.stalled), whole));
    }
}
