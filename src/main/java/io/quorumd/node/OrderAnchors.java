package io.quorumd.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.crypto.NodeId;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.LedgerEntry;
import io.quorumd.loop.Outbox;
import io.quorumd.loop.Scheduler;
import io.quorumd.order.FederationState;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Json;
import io.quorumd.wire.SlotSigner;
import io.quorumd.wire.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.function.BiFunction;

/** Where ordering starts (DESIGN §12): the state the ledger rebuilt, else the YAML roster or an exported anchor. */
final class OrderAnchors {
    private OrderAnchors() {
    }

    /**
     * Ordering on the state the ledger rebuilt, or from the anchor if the ledger has not begun it; empty while it is
     * off ({@link NodeOrdering#enabled}).
     */
    static Optional<NodeOrdering> ordering(QuorumdConfig config, NodeId self, OrderReplay replay,
            Clock clock, Scheduler scheduler, SlotSigner slots,
            EnvelopeSigner signer, Outbox outbox, Topics topics,
            BiFunction<EntryKind, ObjectNode, LedgerEntry> append, NodeJournal journal, KeyRotation rotation)
            throws IOException {
        FederationState anchor = replay.anchored() ? replay.state() : anchorOf(config, self);
        if (!NodeOrdering.enabled(config, replay, anchor)) {
            return Optional.empty();
        }
        return Optional.of(new NodeOrdering(self, replay, anchor, config.order().params(
                config.federation().clockSkew()), clock, scheduler, slots, signer, outbox, topics, append, journal, rotation));
    }

    /**
     * Where ordering starts on a ledger that has not begun it: the exported state of {@code order.anchorFile}
     * (a member admitted later), else the YAML roster as epoch 0. The file must hold this node's key.
     */
    static FederationState anchorOf(QuorumdConfig config, NodeId self) throws IOException {
        if (config.order().anchorFile().isEmpty()) {
            return FederationState.anchor(config.federation().roster(), config.pm().policy());
        }
        FederationState state = exported(config.order().anchorFile().get());
        if (state.roster().byId(self).isEmpty()) {
            throw new IOException("order.anchorFile " + config.order().anchorFile().get() + " (epoch " + state.epoch()
                    + ") does not list this node's key: export it after the change that admitted this node committed");
        }
        return state;
    }

    /** The state of an export of {@code quorumd federation export}. */
    static FederationState exported(Path file) throws IOException {
        FederationState state;
        try {
            JsonNode json = Json.MAPPER.readTree(Files.readAllBytes(file));
            state = FederationState.fromJson(json.get("state"));
            if (!state.digest().equals(json.path("stateDigest").asText())) {
                throw new IOException("order.anchorFile " + file + ": its state does not hash to its stateDigest");
            }
        } catch (DecodeException | RuntimeException e) {
            throw new IOException("order.anchorFile " + file + " is not an export of quorumd federation export: "
                    + e.getMessage(), e);
        }
        return state;
    }
}
