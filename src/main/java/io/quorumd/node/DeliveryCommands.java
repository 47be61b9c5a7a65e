package io.quorumd.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.NodeId;
import io.quorumd.delivery.Responder;
import io.quorumd.delivery.Tracker;
import io.quorumd.delivery.TrackerState;
import io.quorumd.wire.Json;
import io.quorumd.wire.Member;
import io.quorumd.wire.Roster;
import java.util.Locale;
import java.util.Optional;

/**
 * The responder and sync commands of the control socket, run on the loop thread. The responder's trackers are
 * of decisions (acknowledged by peers) and of requests this node submitted to ordering (ended by execution).
 */
final class DeliveryCommands {
    private DeliveryCommands() {
    }

    static JsonNode run(String cmd, JsonNode args, NodeCore core) {
        Roster roster = core.roster();
        if (cmd.equals("sync.now")) {
            Optional<NodeId> peer = Optional.empty();
            if (args.hasNonNull("peer")) {
                String name = args.get("peer").asText();
                peer = Optional.of(roster.byName(name).map(Member::nodeId).orElseThrow(() ->
                        new ControlCommands.Refused("no roster member named " + name)));
            }
            ObjectNode o = Json.object();
            o.put("message", core.sync().now(peer));
            o.put("caughtUp", core.sync().caughtUp());
            return o;
        }
        Responder responder = core.responder().orElseThrow(() ->
                new ControlCommands.Refused("the responder is off (responder.enabled: false)"));
        return switch (cmd) {
            case "responder.list" -> list(responder, args.path("state").asText("pending"), roster);
            case "responder.show" -> show(responder, find(responder, args), roster);
            case "responder.retry" -> {
                Tracker t = find(responder, args);
                try {
                    responder.retry(t);
                } catch (IllegalArgumentException e) {
                    throw new ControlCommands.Refused(e.getMessage());
                }
                yield show(responder, t, roster);
            }
            case "responder.drop" -> {
                Tracker t = find(responder, args);
                String reason = args.path("reason").asText("");
                if (reason.isBlank()) {
                    throw new ControlCommands.Refused("say why: --reason TEXT");
                }
                try {
                    responder.drop(t, reason);
                } catch (IllegalArgumentException e) {
                    throw new ControlCommands.Refused(e.getMessage());
                }
                yield show(responder, t, roster);
            }
            default -> throw new ControlCommands.Refused("unknown command " + cmd);
        };
    }

    private static Tracker find(Responder responder, JsonNode args) {
        String id = args.path("id").asText("");
        return responder.find(id).orElseThrow(() -> new ControlCommands.Refused(
                "no single tracker matches " + id + " (see quorumd responder list --state all)"));
    }

    private static JsonNode list(Responder responder, String state, Roster roster) {
        String s = state.toLowerCase(Locale.ROOT);
        if (!s.equals("all") && !s.equals("pending") && !s.equals("confirmed") && !s.equals("open")) {
            throw new ControlCommands.Refused("state must be pending, confirmed, open or all");
        }
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (Tracker t : responder.trackers()) {
            boolean show = switch (s) {
                case "pending" -> t.state() == TrackerState.PENDING;
                case "confirmed" -> t.state() == TrackerState.CONFIRMED;
                case "open" -> t.state().open();
                default -> true;
            };
            if (show) {
                out.add(summary(t));
            }
        }
        return out;
    }

    private static ObjectNode summary(Tracker t) {
        ObjectNode o = Json.object();
        o.put("id", t.id());
        o.put("kind", t.kind());
        o.put("state", t.state().name());
        o.put("copies", t.acks().size() + 1);
        o.put("sent", t.timesSent());
        o.put("createdAt", t.createdAt());
        return o;
    }

    private static JsonNode show(Responder responder, Tracker t, Roster roster) {
        ObjectNode o = summary(t);
        if (t.isRequest()) {
            o.put("deadline", t.deadline()); // a request: pushed until a batch holding it executes
        } else {
            o.put("minCopies", responder.minCopies());
        }
        o.put("topic", t.topic());
        o.put("misses", t.misses());
        o.put("backoffLevel", t.level());
        o.put("nextRetryInTicks", t.state().open() ? Math.max(0, t.threshold() - t.misses()) : -1);
        if (t.lastSentAt() >= 0) {
            o.put("lastSentAt", t.lastSentAt());
        }
        if (!t.endReason().isEmpty()) {
            o.put("ended", t.endReason());
        }
        ObjectNode acks = o.putObject("acks");
        t.acks().forEach((member, at) -> acks.put(roster.label(member), at));
        ArrayNode missing = o.putArray("missing");
        responder.missing(t).forEach(m -> missing.add(roster.label(m)));
        return o;
    }
}
