package io.quorumd.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.checkpoint.CheckpointMachine;
import io.quorumd.checkpoint.CheckpointStore;
import io.quorumd.checkpoint.RunHistory;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.crypto.NodeId;
import io.quorumd.ledger.BootRecord;
import io.quorumd.ledger.EntryVisitor;
import io.quorumd.ledger.LedgerEntry;
import io.quorumd.ledger.LedgeredSigner;
import io.quorumd.wire.DecodeException;
import io.quorumd.ledger.EntryKind;
import io.quorumd.wire.Envelope;
import java.util.Optional;

/**
 * Rebuilds a node's state from its ledger at start: run history (own boots and shutdowns, observations of
 * peers), stored checkpoints (through the same validator as live finals), and what this node signed.
 */
final class LedgerReplay implements EntryVisitor {
    private final NodeId self;
    private final QuorumdConfig config;
    private final RunHistory history;
    private final CheckpointStore checkpoints;
    private final LedgeredSigner slots;
    private final io.quorumd.arbiter.ArbiterMachine arbiter;

    LedgerReplay(NodeId self, QuorumdConfig config, RunHistory history, CheckpointStore checkpoints, LedgeredSigner slots,
                 io.quorumd.arbiter.ArbiterMachine arbiter) {
        this.arbiter = arbiter;
        this.self = self;
        this.config = config;
        this.history = history;
        this.checkpoints = checkpoints;
        this.slots = slots;
    }

    @Override
    public Optional<String> visit(LedgerEntry entry, byte[] payload) {
        Optional<String> problem = Optional.empty();
        if (entry.kind().embedsEnvelope()) {
            try {
                problem = replay(entry, entry.envelope());
            } catch (DecodeException e) {
                problem = Optional.of("entry holds no valid envelope: " + e.getMessage());
            }
        }
        track(history, self, entry);
        return problem;
    }

    /** One decoded message back into the part of the node that acted on it. */
    private Optional<String> replay(LedgerEntry entry, Envelope env) {
        if (entry.kind() == EntryKind.CHECKPOINT) {
            return CheckpointMachine.replayFinal(checkpoints, env, config.federation().roster(),
                    config.checkpoint().minVoters(), entry.ts(), config.arbiter().clockSkew().toMillis());
        }
        if (entry.kind() == EntryKind.SIGNED) {
            Optional<String> problem = slots.replay(entry, env);
            if (problem.isPresent()) {
                return problem;
            }
        }
        switch (env.type()) {
            case DISPUTE_OPEN, DISPUTE_VOTE, DISPUTE_FALLBACK, DISPUTE_RULING -> {
                if (arbiter != null) {
                    arbiter.replay(env);
                }
            }
            default -> {
            }
        }
        return Optional.empty();
    }

    /** Keeps the run history in step with one boot, shutdown or observation entry (replayed or just written). */
    static void track(RunHistory history, NodeId self, LedgerEntry entry) {
        ObjectNode d = entry.data();
        switch (entry.kind()) {
            case BOOT -> {
                history.down(self, lastTs(history, self, entry));
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

    private static long lastTs(RunHistory history, NodeId self, LedgerEntry boot) {
        return history.lastActivity(self, boot.ts());
    }
}
