package io.quorumd.node;

import com.fasterxml.jackson.databind.JsonNode;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.crypto.NodeId;
import io.quorumd.order.FederationState;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where ordering starts on a ledger that has not begun it (DESIGN §12): the YAML roster, or an exported anchor. */
final class OrderAnchors {
    private OrderAnchors() {
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
