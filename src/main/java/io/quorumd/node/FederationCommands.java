package io.quorumd.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.order.Federation;
import io.quorumd.order.FederationState;
import io.quorumd.order.Replica;
import io.quorumd.order.ReplicaSet;
import io.quorumd.order.RequestRules;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.Json;
import io.quorumd.wire.Member;
import io.quorumd.wire.OrderRequest;
import io.quorumd.wire.Role;
import java.util.EnumSet;

/**
 * The {@code federation.*} commands of the control socket (DESIGN §12), run on the loop thread: show the
 * ordered state, list pending requests with their endorsements, the recent log, and sign a request or an
 * endorsement for the operator.
 */
final class FederationCommands {
    private FederationCommands() {
    }

    static JsonNode run(String cmd, JsonNode args, NodeCore core) {
        NodeOrdering ordering = core.ordering().orElseThrow(() -> new ControlCommands.Refused(
                "ordering is off on this node (order.enabled, or fewer than 4 replicas in the roster)"));
        return switch (cmd) {
            case "federation.show" -> show(ordering.federation(), core);
            case "federation.export" -> ordering.export();
            case "federation.requests" -> requests(ordering);
            case "federation.log" -> {
                ObjectNode o = Json.object();
                ArrayNode a = o.putArray("entries");
                ordering.log(args.path("since").asLong(0)).forEach(a::add);
                yield o;
            }
            case "federation.propose" -> {
                String op = args.path("op").asText("");
                JsonNode a = args.get("args");
                if (op.isBlank() || a == null || !a.isObject()) {
                    throw new ControlCommands.Refused("a request needs an op and its args");
                }
                long requestedAt = args.path("requestedAt").asLong(0); // 0: now
                ObjectNode o = Json.object();
                o.put("requestId", ordering.propose(op, (ObjectNode) a, requestedAt));
                yield o;
            }
            case "federation.endorse" -> {
                String id = args.path("requestId").asText("");
                ordering.endorse(id);
                ObjectNode o = Json.object();
                o.put("requestId", id);
                o.put("message", "endorsed " + id);
                yield o;
            }
            default -> throw new ControlCommands.Refused("unknown command " + cmd);
        };
    }

    private static ObjectNode show(Federation federation, NodeCore core) {
        FederationState state = federation.state();
        Replica r = federation.current();
        ReplicaSet set = r.replicaSet();
        ObjectNode o = Json.object();
        o.put("epoch", state.epoch());
        o.put("startSeq", r.startSeq());
        o.put("self", core.config().node().name());
        o.put("n", set.n());
        o.put("f", set.f());
        o.put("q", set.q());
        o.put("view", r.view());
        o.put("changingView", r.changingView());
        o.put("primary", set.label(set.primary(r.view())));
        o.put("role", r.passive() ? "follower" : "replica");
        o.put("lastExecuted", r.lastExecuted());
        o.put("lastStable", r.lowWatermark());
        o.put("stateDigest", state.digest());
        o.put("halted", r.halted());
        ArrayNode members = o.putArray("roster");
        for (Member m : state.roster().members()) {
            ObjectNode e = members.addObject();
            e.put("name", m.name());
            e.put("nodeId", m.nodeId().hex());
            e.put("publicKey", m.publicKey().base64());
            ArrayNode roles = e.putArray("roles");
            EnumSet<Role> sorted = EnumSet.noneOf(Role.class);
            sorted.addAll(m.roles());
            sorted.forEach(x -> roles.add(x.code()));
        }
        return o;
    }

    private static ObjectNode requests(NodeOrdering ordering) {
        Replica r = ordering.federation().current();
        long now = ordering.now();
        ObjectNode o = Json.object();
        ArrayNode a = o.putArray("requests");
        for (Envelope req : r.pending()) {
            OrderRequest body = (OrderRequest) req.body();
            ObjectNode e = a.addObject();
            e.put("requestId", req.contentId());
            e.put("op", body.op());
            e.put("requester", r.replicaSet().label(req.from()));
            e.set("args", body.args());
            int needed = RequestRules.endorsementsNeeded(r.replicaSet(), req);
            e.put("endorsements", r.endorsementsOf(req).size());
            e.put("needed", needed);
            e.put("ageMs", Math.max(0, now - body.requestedAt()));
        }
        return o;
    }
}
