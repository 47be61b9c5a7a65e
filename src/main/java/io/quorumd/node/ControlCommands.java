package io.quorumd.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.Version;
import io.quorumd.checkpoint.StoredCheckpoint;
import io.quorumd.crypto.NodeId;
import io.quorumd.loop.RequestRefused;
import io.quorumd.wire.Json;
import io.quorumd.wire.Member;
import io.quorumd.wire.Roster;
import java.util.Map;
import java.util.Optional;

/**
 * The control socket's commands, run on the loop thread against a node's state. Each takes the request
 * object and answers a JSON result, or throws {@link Refused} with the reason for the operator.
 */
final class ControlCommands {
    /** A command the daemon understood but will not carry out; the message says why. */
    static final class Refused extends RequestRefused {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    private ControlCommands() {
    }

    static JsonNode run(String cmd, JsonNode args, NodeCore core, boolean connected) {
        return switch (cmd) {
            case "status" -> status(core, connected);
            case "checkpoint.show" -> checkpoints(core, Optional.ofNullable(args.get("subject")).map(JsonNode::asText));
            case "checkpoint.now" -> {
                String answer = core.checkpoint().proposeNow();
                if (answer.startsWith("not proposing")) {
                    throw new Refused(answer);
                }
                ObjectNode o = Json.object();
                o.put("message", answer);
                yield o;
            }
            default -> {
                if (cmd.startsWith("dispute.") || cmd.startsWith("arbiter.")) {
                    yield DisputeCommands.run(cmd, args, core);
                }
                if (cmd.startsWith("responder.") || cmd.startsWith("sync.")) {
                    yield DeliveryCommands.run(cmd, args, core);
                }
                if (cmd.startsWith("federation.")) {
                    yield FederationCommands.run(cmd, args, core);
                }
                if (cmd.startsWith("pm.")) {
                    yield PaymentCommands.run(cmd, args, core);
                }
                throw new Refused("unknown command " + cmd);
            }
        };
    }

    private static JsonNode status(NodeCore core, boolean connected) {
        ObjectNode o = Json.object();
        o.put("node", core.config().node().name());
        o.put("nodeId", core.id().hex());
        o.put("version", Version.get());
        o.put("broker", core.config().mqtt().url());
        o.put("connected", connected);
        o.put("peersOnline", core.presence().onlineCount());
        o.put("peers", core.roster().size() - 1);
        o.put("checkpoints", core.checkpoints().latest().size());
        o.put("openDisputes", core.arbiter().map(a -> a.openCount()).orElse(0L));
        o.put("ledgerEntries", core.ledgerEntries());
        o.put("ledgerBytes", core.ledgerBytes());
        o.put("ledgerSeq", core.ledger().lastSeq());
        o.put("rejects", core.metrics().rejectSummary());
        core.responder().ifPresent(r -> o.put("pendingTrackers", r.pending()));
        o.put("caughtUp", core.sync().caughtUp());
        o.put("syncPeersDone", core.sync().vouchedNow());
        o.put("syncPeersNeeded", core.sync().vouchersNeeded());
        o.put("signing", core.signingState());
        return o;
    }

    private static JsonNode checkpoints(NodeCore core, Optional<String> subjectName) {
        Roster roster = core.roster();
        Optional<NodeId> only = Optional.empty();
        if (subjectName.isPresent()) {
            Member m = roster.byName(subjectName.get()).orElseThrow(() ->
                    new Refused("no roster member named " + subjectName.get()));
            only = Optional.of(m.nodeId());
        }
        ArrayNode list = Json.MAPPER.createArrayNode();
        Map<NodeId, StoredCheckpoint> latest = core.checkpoints().latest();
        for (Member m : roster.members()) {
            if (only.isPresent() && !only.get().equals(m.nodeId())) {
                continue;
            }
            ObjectNode row = list.addObject();
            row.put("subject", m.name());
            row.put("subjectId", m.nodeId().hex());
            StoredCheckpoint s = latest.get(m.nodeId());
            if (s == null) {
                row.putNull("checkpointId");
                continue;
            }
            var t = s.checkpoint().tuple();
            row.put("checkpointId", s.checkpoint().checkpointId());
            row.put("asOf", t.asOf());
            row.put("round", t.round());
            row.put("restarts", t.restarts());
            row.put("totalUptime", t.totalUptime());
            row.put("firstSeen", t.firstSeen());
            row.put("previousCheckpointId", t.previousCheckpointId());
            row.put("signatures", s.checkpoint().votes().size() + (s.checkpoint().proposal().isPresent() ? 1 : 0));
            ArrayNode voters = row.putArray("voters");
            s.checkpoint().votes().forEach(v -> voters.add(roster.label(v.from())));
        }
        return list;
    }
}
