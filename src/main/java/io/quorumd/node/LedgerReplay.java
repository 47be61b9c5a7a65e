package io.quorumd.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.arbiter.ArbiterMachine;
import io.quorumd.arbiter.ArbiterPolicy;
import io.quorumd.checkpoint.CheckpointStore;
import io.quorumd.checkpoint.RunHistory;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.config.QuorumdConfig.LedgerSection;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import io.quorumd.delivery.Responder;
import io.quorumd.ledger.BootRecord;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.EntryVisitor;
import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.KeyInForceException;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerEntry;
import io.quorumd.ledger.LedgerException;
import io.quorumd.ledger.LedgeredSigner;
import io.quorumd.ledger.VerifiedMark;
import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeCodec;
import io.quorumd.wire.PmTicket;
import io.quorumd.wire.Topics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Rebuilds a node's state from its ledger at start. Each entry is first verified by {@link FullVerifier}
 * (signatures and embedded messages of the entries no earlier start verified) and then replayed under the
 * rules of the boot entry it was stored under — never today's config, so removing a member or changing
 * minVoters never turns a sound ledger into "corruption". Replay rebuilds the run history (own boots and
 * shutdowns, observations of peers), the stored checkpoints, the disputes and what this node signed.
 * Each embedded envelope is decoded once, for both steps.
 */
final class LedgerReplay implements EntryVisitor {
    private final NodeId self;
    private final FullVerifier verifier;
    private final RunHistory history;
    private final CheckpointStore checkpoints;
    private final LedgeredSigner slots;
    private final ArbiterMachine arbiter;
    private final Responder responder;
    private final Topics topics;
    private final OrderReplay order;
    private NodePayments payments;
    private boolean synced;
    private Long firstBoot;
    private LedgerAge.State beganState;
    private long beganAt;

    LedgerReplay(NodeId self, FullVerifier verifier, RunHistory history, CheckpointStore checkpoints,
                 LedgeredSigner slots, ArbiterMachine arbiter, Responder responder, Topics topics, OrderReplay order) {
        this.order = order;
        this.responder = responder;
        this.topics = topics;
        this.self = self;
        this.verifier = verifier;
        this.history = history;
        this.checkpoints = checkpoints;
        this.slots = slots;
        this.arbiter = arbiter;
    }

    /** The ticket machine that takes back its batches and winners (none while pm is off). */
    LedgerReplay withPayments(NodePayments p) {
        this.payments = p;
        return this;
    }

    @Override
    public Optional<String> visit(LedgerEntry entry, byte[] payload) {
        Envelope env = null;
        if (entry.kind().embedsEnvelope()) {
            try {
                env = entry.envelope();
            } catch (DecodeException e) {
                return Optional.of("entry holds no valid envelope: " + e.getMessage());
            }
        }
        Optional<String> problem = verifier.check(entry, payload, env);
        if (problem.isPresent()) {
            return problem;
        }
        if (env != null) {
            problem = replay(entry, env);
        } else if (entry.kind() == EntryKind.EVIDENCE && arbiter != null) {
            replayEvidence(entry);
        } else if (responder != null && (entry.kind() == EntryKind.TRACK || entry.kind() == EntryKind.UNTRACK)) {
            problem = replayTracker(entry);
        } else if (entry.kind() == EntryKind.SYNCED) {
            synced = true;
        } else if (OrderReplay.owns(entry.kind())) {
            problem = order.visit(entry);
            if (problem.isEmpty() && entry.kind() == EntryKind.ORDER) {
                replayExecuted(entry.data());
            }
        } else if (entry.kind() == EntryKind.TICKET && payments != null) {
            problem = payments.replayTicket(entry.data(), entry.ts());
        } else if (entry.kind() == EntryKind.TICKETS && payments != null) {
            problem = PmReplay.taken(payments, entry.data());
        } else if (entry.kind() == EntryKind.PAYING && payments != null) {
            problem = payments.replayPaying(entry.data());
        }
        if (firstBoot == null && entry.kind() == EntryKind.BOOT) {
            firstBoot = entry.ts();
        }
        if (entry.kind() == EntryKind.BEGAN) {
            replayBegan(entry.data());
        }
        track(history, self, entry);
        return problem;
    }

    /**
     * Opens the ledger in {@code dataDir}, replaying every entry through this; entries verified at an
     * earlier start ({@code mark}) that are no longer there are corruption. Then marks all of it verified.
     */
    Ledger open(QuorumdConfig config, NodeKey key, Clock clock, Optional<VerifiedMark> mark) throws IOException {
        Path dataDir = config.node().dataDir();
        LedgerSection settings = config.ledger();
        Ledger ledger = Ledger.open(dataDir, key, clock, settings.segmentBytes(), settings.fsync(), this);
        try {
            checkKey(config, key.publicKey());
        } catch (IOException | RuntimeException e) {
            ledger.close();
            throw e;
        }
        if (mark.isPresent() && mark.get().seq() > ledger.lastSeq()) {
            ledger.close();
            throw new LedgerException("ledger corrupt: it ends at seq " + ledger.lastSeq() + " but entries through seq "
                    + mark.get().seq() + " were verified at an earlier start: durable entries are missing"
                    + " (inspect with: quorumd ledger verify " + dataDir + " --full)");
        }
        ledger.markVerified();
        return ledger;
    }

    /**
     * The key in force is the ledger's (its first boot entry's, moved by its {@code rekey} entries); an empty
     * ledger begins with the key the roster it starts from lists for {@code node.name}, never another member's.
     */
    private void checkKey(QuorumdConfig config, Bytes opened) throws IOException {
        if (verifier.keyInForce() != null && !verifier.keyInForce().equals(opened)) {
            throw new KeyInForceException(verifier.era().name(), verifier.keyInForce(), opened);
        }
        if (verifier.keyInForce() == null) {
            Bytes starting = KeyRotation.startingKey(config);
            if (!starting.equals(opened)) {
                throw KeyInForceException.emptyLedger(config.node().name(), starting, opened);
            }
        }
    }

    /** When this ledger began, for signing: what its {@code began} entries say (see {@link LedgerAge}). */
    private void replayBegan(ObjectNode d) {
        if (beganState == null || d.has("restored")) {
            beganState = d.path("freshKey").asBoolean(false) ? LedgerAge.State.FRESH_KEY : LedgerAge.State.WAITING_FOR_CLOCK;
        }
        if (beganState == LedgerAge.State.WAITING_FOR_CLOCK && d.has("at")) {
            beganState = LedgerAge.State.BEGAN;
            beganAt = d.path("at").asLong();
        }
    }

    /**
     * How this ledger began, for signing; empty for an empty ledger (decided at its first boot). A ledger
     * written before {@code began} entries existed began at its first boot entry.
     */
    Optional<LedgerAge.State> beganState() {
        if (beganState == null && firstBoot != null) {
            return Optional.of(LedgerAge.State.BEGAN);
        }
        return Optional.ofNullable(beganState);
    }

    /** The time it began (meaningful for {@link LedgerAge.State#BEGAN}). */
    long beganAt() {
        return beganState == null && firstBoot != null ? firstBoot : beganAt;
    }

    /** Whether this ledger records a complete sync with peers (until then a start asks for all disputes). */
    boolean synced() {
        return synced;
    }

    /** One verified message back into the part of the node that acted on it. */
    private Optional<String> replay(LedgerEntry entry, Envelope env) {
        if (responder != null && env.from().equals(self)) {
            if (entry.kind() == EntryKind.CHECKPOINT) {
                CheckpointFinal f = (CheckpointFinal) env.body();
                responder.restoreFromDecision(env, topics.checkpointFinal(f.tuple().subjectId()), true, entry.ts());
            } else if (entry.kind() == EntryKind.RULING) {
                responder.restoreFromDecision(env, topics.arbiterFinal(), false, entry.ts());
            }
        }
        if (entry.kind() == EntryKind.CHECKPOINT) {
            checkpoints.restore((CheckpointFinal) env.body(), env);
            return Optional.empty();
        }
        if (entry.kind() == EntryKind.SIGNED) {
            Optional<String> problem = slots.replay(entry, env);
            if (problem.isPresent()) {
                return problem;
            }
        }
        if (payments != null && entry.kind() == EntryKind.SIGNED && env.body() instanceof PmTicket t) {
            payments.replaySent(t.batch());
        }
        switch (env.type()) {
            case DISPUTE_OPEN, DISPUTE_VOTE, DISPUTE_FALLBACK, DISPUTE_RULING -> {
                if (arbiter != null) {
                    Optional<ArbiterPolicy> era = verifier.eraPolicy();
                    if (era.isEmpty()) {
                        return Optional.of(env.type().wireName() + " stored under a boot entry whose roster names no arbiters");
                    }
                    arbiter.replay(env, era.get());
                }
            }
            default -> {
            }
        }
        return Optional.empty();
    }

    /**
     * A tracker back (with no acks: after the boot grace it goes out once more; a request's with its deadline),
     * or its end.
     */
    private Optional<String> replayTracker(LedgerEntry entry) {
        ObjectNode d = entry.data();
        String id = d.path("decisionId").asText();
        if (entry.kind() == EntryKind.UNTRACK) {
            responder.restoreEnd(id, d.path("reason").asText());
            return Optional.empty();
        }
        try {
            Envelope env = EnvelopeCodec.fromJson(d.get("envelope"));
            long createdAt = d.path("createdAt").asLong(entry.ts());
            if (d.path("kind").asText().equals("request")) {
                responder.requests().restore(id, d.path("topic").asText(), env, createdAt, d.path("deadline").asLong(createdAt));
            } else {
                responder.restore(id, d.path("topic").asText(), d.path("retained").asBoolean(), env, createdAt);
            }
            return Optional.empty();
        } catch (DecodeException e) {
            return Optional.of("track entry holds no valid envelope: " + e.getMessage());
        }
    }

    /** The requests an executed batch held end, should their {@code untrack} entries be missing (a torn batch). */
    private void replayExecuted(ObjectNode d) {
        for (JsonNode r : d.path("results")) {
            boolean ok = r.path("status").asText().equals("ok");
            if (responder != null) {
                responder.requests().restoreExecuted(d.path("seq").asLong(), r.path("requestId").asText(), ok,
                        r.path("reason").asText());
            }
            if (payments != null && r.path("requester").asText().equals(self.hex())) {
                payments.replayExecuted(r.path("requestId").asText(), r.path("op").asText(), ok);
            }
        }
    }

    /** An equivocation already stored as evidence is not stored again after a restart. */
    private void replayEvidence(LedgerEntry entry) {
        if (!"arbiter.vote".equals(entry.data().path("what").asText())) {
            return;
        }
        List<Envelope> pair = new ArrayList<>();
        for (JsonNode e : entry.data().path("envelopes")) {
            try {
                pair.add(EnvelopeCodec.fromJson(e));
            } catch (DecodeException bad) {
                return;
            }
        }
        arbiter.replayEvidence(pair);
    }

    /** Keeps the run history in step with one boot, shutdown or observation entry (replayed or just written). */
    static void track(RunHistory history, NodeId self, LedgerEntry entry) {
        ObjectNode d = entry.data();
        switch (entry.kind()) {
            case BOOT -> {
                history.down(self, history.lastActivity(self, entry.ts()));
                history.suspendPeers(self, history.lastActivity(self, entry.ts()), entry.ts());
                try {
                    long startedAt = BootRecord.parse(d).startedAt();
                    history.up(self, startedAt, startedAt);
                } catch (DecodeException e) {
                    throw new IllegalStateException("boot entry " + entry.seq() + " does not parse", e);
                }
            }
            case SHUTDOWN -> history.down(self, entry.ts());
            case OBSERVATION -> {
                NodeId peer = new NodeId(d.path("peer").asText());
                long at = d.path("at").asLong(entry.ts());
                if ("offline".equals(d.path("event").asText())) {
                    history.down(peer, at);
                } else {
                    history.up(peer, d.path("peerStartedAt").asLong(), at);
                }
            }
            default -> {
            }
        }
        history.noteActivity(self, entry.ts());
    }
}
