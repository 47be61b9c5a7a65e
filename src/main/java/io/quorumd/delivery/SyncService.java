package io.quorumd.delivery;

import io.quorumd.config.QuorumdConfig.SyncSection;
import io.quorumd.crypto.NodeId;
import io.quorumd.loop.InboundMessage;
import io.quorumd.loop.Journal;
import io.quorumd.loop.Outbox;
import io.quorumd.loop.Scheduler;
import io.quorumd.loop.TimerKey;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Roster;
import io.quorumd.wire.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Catch-up (DESIGN §13), without I/O: answers peers' sync requests from what this node holds
 * ({@link SyncServer}) and asks a peer for what this node may have missed ({@link SyncClient}) — at the end
 * of boot grace, when a peer comes online if none was at hand, on a gap (a vote for a dispute it does not
 * know; at most once a minute), and on the operator's {@code sync now}. A node that started with an empty
 * ledger is not {@link #caughtUp()} until a sync finished: its key may have signed before the disk was lost,
 * so it learns its own earlier votes before it signs anything. Loop thread only.
 */
public final class SyncService {
    private static final Logger LOG = LoggerFactory.getLogger(SyncService.class);
    static final long GAP_EVERY_MS = 60_000;

    /** Time to ask a peer (end of boot grace). */
    public record SyncDue(String reason) implements TimerKey {
    }

    private final SyncSection settings;
    private final Clock clock;
    private final Scheduler scheduler;
    private final List<String> selectors;
    private final LongSupplier since;
    private final SyncServer server;
    private final SyncClient client;
    private volatile boolean caughtUp;
    private boolean waitingForPeer;
    private long lastGap = Long.MIN_VALUE / 2;

    /**
     * {@code sources}: what this node serves, by selector, in the order it asks for them; {@code since}: from
     * when to ask for disputes; {@code emptyAtStart}: the ledger held nothing when this node started.
     */
    public SyncService(NodeId self, SyncSection settings, Roster roster, Clock clock, Scheduler scheduler,
                       EnvelopeSigner signer, Topics topics, Outbox outbox, Journal journal,
                       Map<String, SyncSource> sources, Supplier<List<NodeId>> onlinePeers,
                       Consumer<InboundMessage> deliver, LongSupplier since, boolean emptyAtStart, Random random) {
        this.settings = settings;
        this.clock = clock;
        this.scheduler = scheduler;
        this.selectors = List.copyOf(new LinkedHashMap<>(sources).keySet());
        this.since = since;
        this.server = new SyncServer(self, settings, roster, clock, signer, topics, outbox, journal, sources);
        this.client = new SyncClient(self, settings, roster, clock, scheduler, signer, topics, outbox, journal,
                onlinePeers, deliver, this::finished, random);
        this.caughtUp = !emptyAtStart || !settings.enabled();
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

    /** False only for a node that started with an empty ledger and has not finished a sync yet; any thread. */
    public boolean caughtUp() {
        return caughtUp;
    }

    private void finished() {
        if (!caughtUp) {
            LOG.atInfo().log("caught up with peers: votes may be signed");
        }
        caughtUp = true;
    }

    public void onRequest(InboundMessage m) {
        server.onRequest(m);
    }

    public void onResponse(InboundMessage m) {
        client.onResponse(m);
    }

    public void onTimer(TimerKey key) {
        if (key instanceof SyncDue due) {
            begin(due.reason(), Optional.empty());
        } else if (key instanceof SyncClient.SyncTimeout t) {
            client.onTimeout(t);
        }
    }

    private boolean begin(String reason, Optional<NodeId> peer) {
        if (!settings.enabled() || selectors.isEmpty()) {
            caughtUp = true;
            return false;
        }
        boolean started = client.start(reason, selectors, since.getAsLong(), peer);
        waitingForPeer = !started;
        if (!started) {
            LOG.atInfo().addKeyValue("reason", reason).log("sync: no peer online to ask; asking when one comes");
        }
        return started;
    }

    /** A peer came online: if this node was waiting for someone to ask, it asks that peer. */
    public void peerOnline(NodeId peer) {
        if (waitingForPeer) {
            begin("a peer came online", Optional.of(peer));
        }
    }

    /** Something arrived that refers to a decision this node does not hold. */
    public void gap() {
        long now = clock.millis();
        if (!client.running() && now - lastGap >= GAP_EVERY_MS) {
            lastGap = now;
            begin("gap", Optional.empty());
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
        return begin("operator", peer) ? "sync started" : "no peer online to sync from";
    }
}
