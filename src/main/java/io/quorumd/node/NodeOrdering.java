package io.quorumd.node;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.crypto.NodeId;
import io.quorumd.delivery.RequestTrackers;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.LedgerEntry;
import io.quorumd.ledger.LedgeredSigner;
import io.quorumd.loop.Outbox;
import io.quorumd.loop.Scheduler;
import io.quorumd.loop.TimerKey;
import io.quorumd.order.Federation;
import io.quorumd.order.FederationState;
import io.quorumd.order.OrderJournal;
import io.quorumd.order.OrderParams;
import io.quorumd.order.Quorum;
import io.quorumd.order.Replica;
import io.quorumd.order.ReplicaSet;
import io.quorumd.order.RosterSnapshot;
import io.quorumd.order.RequestRules;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Json;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderCheckpoint;
import io.quorumd.wire.OrderCommitted;
import io.quorumd.wire.OrderEndorse;
import io.quorumd.wire.OrderItem;
import io.quorumd.wire.OrderRequest;
import io.quorumd.wire.OrderVote;
import io.quorumd.wire.Roster;
import io.quorumd.wire.SlotSigner;
import io.quorumd.wire.Topics;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ordering in a running node (DESIGN §12): the {@link Federation} over the replicated state the ledger
 * rebuilt, its ledger entries ({@code epoch} at the anchor and at every change, {@code order} per executed
 * batch, {@code ostable} and {@code oprepared} for restarts), the roster switch, and the operator's requests.
 * Every entry is appended before the messages of its batch leave (group commit). Loop thread only.
 */
final class NodeOrdering implements Federation.Listener, OrderJournal {
    private static final Logger LOG = LoggerFactory.getLogger(NodeOrdering.class);
    static final int LOG_KEPT = 1000;

    private final BiFunction<EntryKind, ObjectNode, LedgerEntry> append;
    private final NodeJournal journal;
    private final EnvelopeSigner signer;
    private final Outbox outbox;
    private final Topics topics;
    private final Clock clock;
    private final Federation federation;
    private final Deque<ObjectNode> recent = new ArrayDeque<>();
    private final OrderParams params;
    private final boolean anchorEntryDue;
    private final boolean epochUnrecorded;
    private final NodeId ownId;
    private final KeyRotation rotation;
    private final OrderHistory history;
    private Consumer<FederationState.Result> onResult = r -> { };
    private RequestTrackers requests; // the responder's, when it runs

    NodeOrdering(NodeId self, OrderReplay replay, FederationState anchor, OrderParams params, Clock clock, Scheduler scheduler,
                 SlotSigner slots, EnvelopeSigner signer, Outbox outbox, Topics topics,
                 BiFunction<EntryKind, ObjectNode, LedgerEntry> append, NodeJournal journal, KeyRotation rotation) {
        this.ownId = self;
        this.rotation = rotation;
        this.append = append;
        this.journal = journal;
        this.signer = signer;
        this.outbox = outbox;
        this.topics = topics;
        this.clock = clock;
        this.anchorEntryDue = !replay.anchored();
        this.epochUnrecorded = replay.anchored() && replay.epochUnrecorded();
        this.params = params;
        this.history = replay.history();
        replay.results().forEach(recent::addLast);
        if (replay.anchored()) {
            this.federation = new Federation(self, replay.state(), params, clock, scheduler, slots, outbox, topics, this,
                    this, replay.start());
            federation.current().restore(replay.stablePoint(), replay.preparedCertificates(), replay.executedIds());
            if (slots instanceof LedgeredSigner ledgered) {
                federation.current().resumeFrom(ledgered.slots().keySet());
            }
        } else {
            this.federation = new Federation(self, anchor.copy(), params, clock, scheduler, slots, outbox, topics, this,
                    this);
        }
    }

    /** Who hears each executed request's result (the ticket machine, for its claims). */
    void onResult(Consumer<FederationState.Result> listener) {
        this.onResult = listener;
    }

    /** Where the requests this node submits are tracked until executed (DESIGN §13); none when the responder is off. */
    void trackRequests(RequestTrackers trackers) {
        this.requests = trackers;
    }

    /** What the gate and the machines judge by now; any thread. */
    RosterSnapshot snapshot() {
        return federation.snapshot();
    }

    /**
     * Ordering runs when {@code order.enabled} is on, or auto with at least 4 replicas in the roster; a ledger
     * that began ordering goes on ordering unless it is switched off.
     */
    static boolean enabled(QuorumdConfig config, OrderReplay replay, FederationState anchor) throws IOException {
        return switch (config.order().mode()) {
            case OFF -> {
                if (replay.anchored()) {
                    throw new IOException("order.enabled is off, but this node's ledger began ordering (epoch "
                            + replay.state().epoch() + "): its roster is the ordered one, not the YAML one; set"
                            + " order.enabled back to auto or on");
                }
                yield false;
            }
            case ON -> true;
            case AUTO -> replay.anchored() || new ReplicaSet(anchor.epoch(), anchor.roster()).n() >= Quorum.MIN_REPLICAS;
        };
    }

    /** The state a member admitted now starts from: this node's state, for {@code federation export}. */
    ObjectNode export() {
        ObjectNode o = Json.object();
        o.put("format", "quorumd-anchor/1");
        o.set("state", federation.state().toJson());
        o.put("stateDigest", federation.state().digest());
        return o;
    }

    /** The roster ordering has made effective (the anchor's until a change executes). */
    Roster roster() {
        return federation.state().roster();
    }

    /**
     * Before the boot entry: a crash that tore the batch of the last roster change kept its {@code order} entry
     * and lost its {@code epoch} entry, or this node's {@code rekey} entry when the change rotated its key. Both are
     * written now; true if this node's rotation is, so that it restarts with the new key before anything else.
     */
    boolean recoverTornChange() {
        FederationState s = federation.state();
        if (epochUnrecorded) {
            append.apply(EntryKind.EPOCH, epochData(s, s.closedEpoch().map(FederationState.EpochChange::cause).orElse(null)));
        }
        NodeId rotated = s.lineage().get(ownId);
        if (rotated == null) {
            return false;
        }
        rotation.executed(s.roster().byId(rotated).orElseThrow(), s.epoch(), s.lastSeq());
        return true;
    }

    void start() {
        if (anchorEntryDue) {
            append.apply(EntryKind.EPOCH, epochData(federation.state(), null));
        }
        federation.start();
    }

    Federation federation() {
        return federation;
    }

    /** Where the executed batches are (served to peers that lag: {@link OrderSync}). */
    OrderHistory history() {
        return history;
    }

    /** The node's clock (the same the replicas run on). */
    long now() {
        return clock.millis();
    }

    void onMessage(Envelope env) {
        federation.onMessage(env);
    }

    void onTimer(TimerKey key) {
        federation.onTimer(key);
    }

    static boolean owns(TimerKey key) {
        return Federation.owns(key);
    }

    // ---------------------------------------------------------------- operator requests

    /**
     * Signs a request of the current epoch (dated {@code requestedAt}, 0 for now: a proof of possession the CLI
     * signed names that time), hands it to the replicas and this node; its request id.
     */
    String propose(String op, ObjectNode args, long requestedAt) {
        if (op.equals(io.quorumd.order.RosterOp.ROTATE)) {
            Optional<String> cannot;
            try {
                cannot = rotation.refusal(io.quorumd.crypto.Bytes.fromBase64(args.path("newPublicKey").asText()));
            } catch (IllegalArgumentException e) {
                cannot = Optional.of("newPublicKey is not base64");
            }
            if (cannot.isPresent()) {
                throw new ControlCommands.Refused("rotation refused: " + cannot.get());
            }
        }
        long at = requestedAt > 0 ? requestedAt : clock.millis();
        Envelope req = signer.sign(MessageType.ORDER_REQUEST, new OrderRequest(federation.state().epoch(), op, args, at));
        Optional<String> bad = RequestRules.check(new ReplicaSet(federation.state().epoch(), federation.state().roster()),
                req, clock.millis(), params);
        if (bad.isPresent()) {
            throw new ControlCommands.Refused("request refused: " + bad.get());
        }
        outbox.publish(topics.orderPropose(), req, false);
        if (requests != null) {
            requests.submitted(req, topics.orderPropose(), at + params.requestTtl().toMillis());
        }
        federation.onMessage(req);
        return req.contentId();
    }

    /** Endorses a request this node holds as pending. */
    void endorse(String requestId) {
        Replica r = federation.current();
        if (r.pending().stream().noneMatch(e -> e.contentId().equals(requestId))) {
            throw new ControlCommands.Refused("no pending request " + requestId + " here (see: quorumd federation requests)");
        }
        Envelope e = signer.sign(MessageType.ORDER_ENDORSE, new OrderEndorse(federation.state().epoch(), requestId));
        outbox.publish(topics.orderPropose(), e, false);
        federation.onMessage(e);
    }

    /** The last executed results, oldest first, from {@code since} on. */
    List<ObjectNode> log(long since) {
        return recent.stream().filter(o -> o.path("seq").asLong() >= since).toList();
    }

    // ---------------------------------------------------------------- Federation.Listener

    @Override
    public void executed(long epoch, long seq, long view, long ts, List<OrderItem> items, List<Envelope> commits,
                         List<FederationState.Result> results) {
        OrderCommitted committed = new OrderCommitted(epoch, seq, view, ts, items, commits);
        ObjectNode d = Json.object();
        d.put("epoch", epoch);
        d.put("seq", seq);
        d.put("view", view);
        d.put("ts", ts);
        d.put("digest", committed.batch().digest());
        ArrayNode rs = d.putArray("results");
        for (FederationState.Result r : results) {
            ObjectNode o = rs.addObject();
            o.put("requestId", r.requestId());
            o.put("requester", r.requester().hex());
            o.put("op", r.op());
            o.put("status", r.ok() ? "ok" : "refused");
            o.put("reason", r.reason());
            onResult.accept(r);
            ObjectNode line = o.deepCopy();
            line.put("seq", seq);
            line.put("epoch", epoch);
            recent.addLast(line);
            if (recent.size() > LOG_KEPT) {
                recent.removeFirst();
            }
            if (!r.op().equals("noop")) {
                LOG.atInfo().addKeyValue("seq", seq).addKeyValue("op", r.op()).addKeyValue("status", r.ok() ? "ok" : "refused")
                        .addKeyValue("reason", r.reason()).log("federation update executed");
            }
        }
        d.set("committed", committed.toJson());
        history.executed(committed, append.apply(EntryKind.ORDER, d).seq());
        if (requests != null) {
            requests.executed(seq, results);
        }
    }

    @Override
    public void epochChanged(FederationState.EpochChange change, NodeId self) {
        append.apply(EntryKind.EPOCH, epochData(federation.state(), change.cause()));
        LOG.atInfo().addKeyValue("epoch", change.epoch()).addKeyValue("startSeq", change.startSeq())
                .addKeyValue("members", change.roster().size()).log("federation roster changed");
        if (!self.equals(ownId)) {
            rotation.executed(change.roster().byId(self).orElseThrow(), change.epoch(), change.startSeq() - 1);
        }
    }

    /** The signer holds the key this node started with: after its own rotation, the node restarts first. */
    @Override
    public boolean signsAs(NodeId self) {
        return self.equals(ownId);
    }

    @Override
    public void epochCertified(long epoch, long seq, String stateDigest, List<Envelope> certificate) {
        LOG.atInfo().addKeyValue("epoch", epoch).addKeyValue("seq", seq).log("epoch certificate complete");
    }

    private static ObjectNode epochData(FederationState state, FederationState.Result cause) {
        ObjectNode d = Json.object();
        d.set("state", state.toJson());
        d.put("stateDigest", state.digest());
        d.put("cause", cause == null ? "anchor" : cause.requestId());
        return d;
    }

    // ---------------------------------------------------------------- OrderJournal

    @Override
    public void refused(String reason, String detail) {
        journal.rejected(reason, detail);
    }

    @Override
    public void evidence(Envelope first, Envelope second) {
        journal.evidence("order." + first.type().wireName(), List.of(first, second));
    }

    @Override
    public void executed(long seq, long view, List<OrderItem> items, List<Envelope> commits) {
        // recorded through the listener, which also has the results
    }

    @Override
    public void diverged(long seq, String ownDigest, String stableDigest) {
        LOG.atError().addKeyValue("seq", seq).addKeyValue("own", ownDigest).addKeyValue("stable", stableDigest)
                .log("ordering stopped: replicas hold another state (are the pm times equal on every node?)");
    }

    @Override
    public void viewChangeStarted(long view) {
        LOG.atInfo().addKeyValue("view", view).log("ordering: view change started");
    }

    @Override
    public void viewEntered(long view) {
        LOG.atInfo().addKeyValue("view", view).log("ordering: new view entered");
        if (requests != null) {
            requests.viewEntered();
        }
    }

    @Override
    public void stable(long seq, String stateDigest) {
    }

    @Override
    public void stable(long seq, String stateDigest, List<Envelope> certificate) {
        ObjectNode d = Json.object();
        d.put("epoch", ((OrderCheckpoint) certificate.get(0).body()).epoch());
        d.put("seq", seq);
        d.put("stateDigest", stateDigest);
        ArrayNode a = d.putArray("checkpoints");
        certificate.forEach(e -> a.add(e.toJson()));
        history.stable(seq, certificate, append.apply(EntryKind.ORDER_STABLE, d).seq());
    }

    @Override
    public void behind() {
        history.behind();
    }

    @Override
    public void prepared(long view, long seq, String digest, List<Envelope> prepares) {
        ObjectNode d = Json.object();
        d.put("epoch", ((OrderVote) prepares.get(0).body()).epoch());
        d.put("view", view);
        d.put("seq", seq);
        d.put("digest", digest);
        ArrayNode a = d.putArray("prepares");
        prepares.forEach(e -> a.add(e.toJson()));
        append.apply(EntryKind.ORDER_PREPARED, d);
    }
}
