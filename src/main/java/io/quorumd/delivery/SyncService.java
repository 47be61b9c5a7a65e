package io.quorumd.delivery;

import io.quorumd.config.QuorumdConfig.SyncSection;
import io.quorumd.crypto.NodeId;
import io.quorumd.loop.InboundMessage;
import io.quorumd.loop.Journal;
import io.quorumd.loop.Outbox;
import io.quorumd.loop.Scheduler;
import io.quorumd.loop.TimerKey;
import io.quorumd.order.Quorum;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Member;
import io.quorumd.wire.Roster;
import io.quorumd.wire.SyncRequest;
import io.quorumd.wire.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Catch-up (DESIGN §13), without I/O: answers peers' sync requests from what this node holds
 * ({@link SyncServer}) and asks a peer for what this node may have missed ({@link SyncClient}) — at the end
 * of boot grace, when a peer comes online if none was at hand, on a gap (a vote for a dispute it does not
 * know: the disputes only; ordering that finds itself behind, {@link SyncSource#whenBehind}: {@code order}
 * only; each selector at most once a minute; a checkpoint proposal that chains to a final it does not hold:
 * the checkpoints only, of the proposer if online, once a minute per proposer), and on the operator's
 * {@code sync now}. A gap asks nothing while another session runs, and its session neither vouches, nor
 * schedules a retry, nor ends the wait for a peer.
 * <p>
 * {@code order} is asked from the node's next seq ({@link SyncSource#askFrom}). A peer whose pages stop moving
 * the node on is replaced by the next one within the session ({@link SyncClient}); where every peer a session
 * asked stalled a selector, a gap of that selector starts no session while the node stands where it stalled,
 * for {@link #STALL_HOLD} (the boot sync, a retry and {@code sync now} ask at once), so an unfillable gap is
 * not asked about once a minute, and no member's forged page ends catch-up for good.
 * <p>
 * Until the node caught up (below), disputes are asked from the node's last activity before this start less
 * two voting periods — or all of them while the ledger has never recorded catching up (a {@code synced} entry:
 * a new or replaced disk, even one restarted before it caught up); afterwards from now less two voting periods.
 * A session that ends incomplete is tried again after {@link #FIRST_RETRY}, doubling to {@link #MAX_RETRY},
 * until one is complete.
 * <p>
 * The node counts as caught up once f + 1 distinct members of the roster in force (f = ⌊(n−1)/3⌋, at most every
 * other member) each served it a whole session: every selector it serves, from first page to last, with no
 * other peer taking over part way ({@link SyncClient.Outcome#whole()}); a gap's session vouches for nobody. One member that answers empty pages cannot stand for all, as at least one of them is honest.
 * Until then it asks the next peer that has not vouched, or waits for one to come online. The node's
 * {@code sync_first} rule ({@code LedgerAge}) signs nothing dated before this run until then: a ledger restored
 * from a backup learns what its key signed later from the peers first.
 * Loop thread only, but {@link #caughtUp()}.
 */
public final class SyncService {
    private static final Logger LOG = LoggerFactory.getLogger(SyncService.class);
    static final long GAP_EVERY_MS = 60_000;
    static final Duration FIRST_RETRY = Duration.ofSeconds(10);
    static final Duration MAX_RETRY = Duration.ofMinutes(5);
    /** How long a gap does not ask again from where every peer asked stalled a selector. */
    static final Duration STALL_HOLD = MAX_RETRY;
    /** How long after the broker connection came back this node asks a peer. */
    static final Duration RECONNECT_SETTLE = Duration.ofSeconds(2);

    /** Every peer asked stalled a selector's pages with this node at {@code at}; gaps wait until {@code until}. */
    private record Stall(long at, long until) {
    }

    /** Time to ask a peer (end of boot grace, or a retry after an incomplete session). */
    public record SyncDue(String reason) implements TimerKey {
    }

    private final SyncSection settings;
    private final Clock clock;
    private final Scheduler scheduler;
    private final List<String> selectors;
    private final long bootSince;
    private final long recentMs;
    private final Supplier<List<NodeId>> onlinePeers;
    private final Consumer<NodeId> onFirstSync;
    private final SyncServer server;
    private final SyncClient client;
    private final boolean syncedBefore;
    private volatile boolean caughtUp;
    private boolean waitingForPeer;
    private boolean retryScheduled;
    private Duration retryIn = FIRST_RETRY;
    private final Map<String, Long> lastGap = new HashMap<>();
    private final Map<String, Stall> stalls = new HashMap<>();
    private final Map<String, SyncSource> sources;
    private final Supplier<Roster> roster;
    /** Peers that served this run a whole session while it was catching up. */
    private final Set<NodeId> vouched = new HashSet<>();

    /**
     * {@code sources}: what this node serves, by selector, in the order it asks for them; {@code bootSince}:
     * from when to ask for disputes until this run caught up (ignored, 0, while the ledger never caught up),
     * {@code recent}: how far back after that; {@code syncedBefore}: the ledger records catching up;
     * {@code onFirstSync}: records the first time.
     */
    public SyncService(NodeId self, SyncSection settings, Roster roster, Clock clock, Scheduler scheduler,
                       EnvelopeSigner signer, Topics topics, Outbox outbox, Journal journal,
                       Map<String, SyncSource> sources, Supplier<List<NodeId>> onlinePeers,
                       Consumer<InboundMessage> deliver, long bootSince, Duration recent, boolean syncedBefore,
                       Consumer<NodeId> onFirstSync, Random random) {
        this(self, settings, () -> roster, e -> roster.byId(e.from()), clock, scheduler, signer, topics, outbox, journal,
                sources, onlinePeers, deliver, bootSince, recent, syncedBefore, onFirstSync, random);
    }

    /**
     * With the roster of the moment ({@code roster} returns the current immutable snapshot) and the signers the
     * inbound gate takes ({@code signers}: the roster's members, and for the messages that finish a closed epoch
     * the keys of that epoch): each envelope of a page is judged by them when it is handled, as it would be live,
     * so a page whose batch closes an epoch and retires a key takes the checkpoints that key signed for it.
     * Whether there is anybody to sync with is judged once, by the roster at construction.
     */
    public SyncService(NodeId self, SyncSection settings, Supplier<Roster> roster,
                       Function<Envelope, Optional<Member>> signers, Clock clock, Scheduler scheduler,
                       EnvelopeSigner signer, Topics topics, Outbox outbox, Journal journal,
                       Map<String, SyncSource> sources, Supplier<List<NodeId>> onlinePeers,
                       Consumer<InboundMessage> deliver, long bootSince, Duration recent, boolean syncedBefore,
                       Consumer<NodeId> onFirstSync, Random random) {
        this.settings = settings;
        this.roster = roster;
        this.clock = clock;
        this.scheduler = scheduler;
        this.selectors = List.copyOf(new LinkedHashMap<>(sources).keySet());
        this.sources = Map.copyOf(sources);
        this.bootSince = syncedBefore ? bootSince : 0;
        this.syncedBefore = syncedBefore;
        this.recentMs = recent.toMillis();
        this.onlinePeers = onlinePeers;
        this.onFirstSync = onFirstSync;
        this.server = new SyncServer(self, settings, roster, clock, signer, topics, outbox, journal, sources);
        this.client = new SyncClient(self, settings, roster, signers, clock, scheduler, signer, topics, outbox, journal,
                onlinePeers, sources, deliver, this::ended, random);
        this.caughtUp = roster.get().size() <= 1 || !settings.enabled() || selectors.isEmpty();
        sources.forEach((selector, source) -> source.whenBehind(() -> gap(selector)));
    }

    public static boolean owns(TimerKey key) {
        return key instanceof SyncDue || key instanceof SyncClient.SyncTimeout;
    }

    /** Schedules the first sync at the end of boot grace. */
    public void start(Duration bootGrace) {
        if (settings.enabled()) {
            scheduler.schedule(bootGrace, new SyncDue("boot"));
        }
    }

    /**
     * The broker connection came back: what peers published while this node was away (or before it subscribed
     * again to a broker that lost its sessions) never reaches it, so it asks a peer once the others had a moment
     * to reconnect too. A peer that was never seen offline triggers no other sync.
     */
    public void reconnected() {
        if (settings.enabled()) {
            scheduler.schedule(RECONNECT_SETTLE, new SyncDue("broker reconnected"));
        }
    }

    /** True once f + 1 peers served this run whole sessions (or there is nobody to sync with); any thread. */
    public boolean caughtUp() {
        return caughtUp;
    }

    public void onRequest(InboundMessage m) {
        server.onRequest(m);
    }

    public void onResponse(InboundMessage m) {
        client.onResponse(m);
    }

    public void onTimer(TimerKey key) {
        if (key instanceof SyncDue due) {
            if (due.reason().equals("retry")) {
                retryScheduled = false;
            }
            begin(due.reason(), selectors, Optional.empty(), caughtUp ? Set.of() : Set.copyOf(vouched));
        } else if (key instanceof SyncClient.SyncTimeout t) {
            client.onTimeout(t);
        }
    }

    private long since() {
        return caughtUp ? Math.max(0, clock.millis() - recentMs) : bootSince;
    }

    private boolean begin(String reason, List<String> which, Optional<NodeId> peer, Set<NodeId> exclude) {
        if (!settings.enabled() || selectors.isEmpty()) {
            return false;
        }
        boolean started = client.start(reason, which, since(), peer, exclude);
        waitingForPeer = !started;
        if (!started) {
            LOG.atInfo().addKeyValue("reason", reason).log("sync: no peer online to ask; asking when one comes");
        }
        return started;
    }

    private void ended(SyncClient.Outcome o) {
        for (String selector : o.stalled()) {
            long until = clock.millis() + STALL_HOLD.toMillis();
            sources.get(selector).askFrom().ifPresent(at -> stalls.put(selector, new Stall(at, until)));
        }
        if (!o.complete()) {
            if (!retryScheduled && !caughtUp && !SyncClient.GAP.equals(o.reason())) {
                retryScheduled = true;
                scheduler.schedule(retryIn, new SyncDue("retry"));
                LOG.atWarn().addKeyValue("retry_in", retryIn.toSeconds() + "s").log("sync incomplete; trying again");
                retryIn = retryIn.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retryIn.multipliedBy(2);
            }
            return;
        }
        if (!caughtUp && o.whole() && vouched.add(o.peer())) {
            retryIn = FIRST_RETRY;
        }
        Set<NodeId> asked = new HashSet<>(o.tried());
        asked.add(o.peer());
        if (o.ownOpensSkipped() > 0 && selectors.contains(SyncRequest.DISPUTES)
                && begin("opens of a peer", List.of(SyncRequest.DISPUTES), Optional.empty(), asked)) {
            return; // its own opens are someone else's to give
        }
        waitingForPeer = false;
        if (!caughtUp) {
            if (vouchedNow() < vouchersNeeded()) {
                LOG.atInfo().addKeyValue("peer", o.peer().shortHex()).addKeyValue("complete", vouchedNow())
                        .addKeyValue("needed", vouchersNeeded()).log("sync complete with a peer; asking another");
                begin("another peer", selectors, Optional.empty(), Set.copyOf(vouched));
                return;
            }
            caughtUp = true;
            retryIn = FIRST_RETRY;
            LOG.atInfo().addKeyValue("peer", o.peer().shortHex()).log("caught up with peers");
            if (!syncedBefore) {
                onFirstSync.accept(o.peer());
            }
        }
    }

    /** Members of the roster in force that served a whole session of this run while this node was catching up. */
    public int vouchedNow() {
        Roster r = roster.get();
        return (int) vouched.stream().filter(id -> r.byId(id).isPresent()).count();
    }

    /**
     * Distinct peers whose whole sessions make this node caught up: f + 1 of the roster in force, and no more
     * than the other members.
     */
    public int vouchersNeeded() {
        int n = roster.get().size();
        return Math.max(1, Math.min(Quorum.f(n) + 1, n - 1));
    }

    /**
     * A peer came online (or was heard again after this node was cut off): if this node was waiting for someone
     * to ask, it asks that peer — while catching up, not one that already served it a whole session.
     */
    public void peerOnline(NodeId peer) {
        if (waitingForPeer && (caughtUp || !vouched.contains(peer))) {
            begin("a peer came online", selectors, Optional.of(peer), Set.of());
        }
    }

    /** Something arrived that refers to a dispute this node does not hold. */
    public void gap() {
        gap(SyncRequest.DISPUTES);
    }

    /**
     * A checkpoint proposal of {@code proposer} chains to a final this node does not hold. An honest proposer
     * holds it (any other peer may be catching up itself), so it is asked if online, at most once a
     * {@link #GAP_EVERY_MS} per proposer; a peer that does not answer in time is replaced by another. A member
     * naming finals nobody has costs one short session with itself: a gap's session ends with a peer that
     * sends an empty page that goes on, or more checkpoint pages than there are members.
     */
    public void checkpointGap(NodeId proposer) {
        gap(SyncRequest.CHECKPOINTS, Optional.of(proposer));
    }

    /**
     * Something arrived that this node lacks the history of, in {@code selector} (the disputes, or ordering that
     * lags): that selector is asked, at most once a {@link #GAP_EVERY_MS} (all of them if this node does not
     * serve it), unless a session runs, or the node stands where that selector's pages last stalled with every
     * peer asked, less than {@link #STALL_HOLD} ago.
     */
    public void gap(String selector) {
        gap(selector, Optional.empty());
    }

    private void gap(String selector, Optional<NodeId> peer) {
        long now = clock.millis();
        SyncSource source = sources.get(selector);
        Stall stalled = stalls.get(selector);
        if (stalled != null && now < stalled.until() && source.askFrom().isPresent()
                && source.askFrom().getAsLong() == stalled.at()) {
            return;
        }
        String key = peer.map(p -> selector + "/" + p.hex()).orElse(selector); // one per roster member at most
        if (!client.running() && now - lastGap.getOrDefault(key, Long.MIN_VALUE / 2) >= GAP_EVERY_MS) {
            lastGap.put(key, now);
            List<String> which = source != null ? List.of(selector) : selectors;
            boolean waiting = waitingForPeer; // a gap does not end the wait for a peer to catch up with
            boolean started = begin(SyncClient.GAP, which, peer.filter(onlinePeers.get()::contains), Set.of());
            waitingForPeer = waiting || !started;
        }
    }

    /** The operator's "sync now"; says what happened. */
    public String now(Optional<NodeId> peer) {
        if (!settings.enabled()) {
            return "sync is off (sync.enabled: false)";
        }
        if (client.running()) {
            return "a sync with " + client.peer().map(NodeId::shortHex).orElse("?") + " is running";
        }
        return begin("operator", selectors, peer, Set.of()) ? "sync started" : "no peer online to sync from";
    }
}
