package io.quorumd.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.arbiter.ArbiterMachine;
import io.quorumd.arbiter.Dispute;
import io.quorumd.arbiter.DisputeStatus;
import io.quorumd.arbiter.Reputation;
import io.quorumd.crypto.NodeId;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.Json;
import io.quorumd.wire.Roster;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The dispute and arbiter commands of the control socket, run on the loop thread. */
final class DisputeCommands {
    private DisputeCommands() {
    }

    static JsonNode run(String cmd, JsonNode args, NodeCore core) {
        ArbiterMachine arbiter = core.arbiter().orElseThrow(() ->
                new ControlCommands.Refused("arbitration is off: the roster names no arbiters"));
        Roster roster = core.roster();
        return switch (cmd) {
            case "dispute.open" -> open(args, arbiter);
            case "dispute.vote" -> vote(args, arbiter);
            case "dispute.show" -> show(find(args, arbiter), roster, arbiter);
            case "dispute.list" -> list(args, arbiter, roster);
            case "arbiter.reputation" -> reputation(arbiter, roster, id -> core.ordering()
                    .map(o -> o.federation().state().current(id)).orElse(id));
            default -> throw new ControlCommands.Refused("unknown command " + cmd);
        };
    }

    private static JsonNode open(JsonNode a, ArbiterMachine arbiter) {
        List<String> evidence = new ArrayList<>();
        a.path("evidence").forEach(e -> evidence.add(e.asText()));
        try {
            String id = arbiter.desk().open(text(a, "subject"), text(a, "buyer"), text(a, "seller"), a.path("amount").asLong(-1),
                    text(a, "reason"), evidence);
            ObjectNode o = Json.object();
            o.put("disputeId", id);
            return o;
        } catch (IllegalArgumentException e) {
            throw new ControlCommands.Refused(e.getMessage());
        }
    }

    private static JsonNode vote(JsonNode a, ArbiterMachine arbiter) {
        Dispute d = find(a, arbiter);
        Decision decision;
        try {
            decision = Decision.ofCode(text(a, "decision").toUpperCase(Locale.ROOT));
        } catch (DecodeException e) {
            throw new ControlCommands.Refused(e.getMessage());
        }
        try {
            arbiter.desk().vote(d.id(), decision, text(a, "reason"));
        } catch (IllegalArgumentException e) {
            throw new ControlCommands.Refused(e.getMessage());
        }
        ObjectNode o = Json.object();
        o.put("disputeId", d.id());
        o.put("status", d.status().name());
        d.decision().ifPresent(x -> o.put("decision", x.code()));
        return o;
    }

    private static String text(JsonNode a, String field) {
        JsonNode v = a.get(field);
        if (v == null || !v.isTextual()) {
            throw new ControlCommands.Refused(field + " is required");
        }
        return v.asText();
    }

    /** The dispute named by a full id or a unique prefix of at least 6 characters. */
    private static Dispute find(JsonNode a, ArbiterMachine arbiter) {
        String id = text(a, "disputeId");
        List<Dispute> matches = arbiter.disputes().stream().filter(d -> d.id().equals(id)
                || (id.length() >= 6 && d.id().startsWith(id))).toList();
        if (matches.isEmpty()) {
            throw new ControlCommands.Refused("unknown dispute " + id);
        }
        if (matches.size() > 1) {
            throw new ControlCommands.Refused("dispute id prefix " + id + " is ambiguous");
        }
        return matches.get(0);
    }

    private static JsonNode show(Dispute d, Roster roster, ArbiterMachine arbiter) {
        ObjectNode o = summary(d);
        o.put("buyer", roster.label(d.body().buyer()));
        o.put("seller", roster.label(d.body().seller()));
        o.put("amount", d.body().amount());
        o.put("reason", d.body().reason());
        o.put("openedBy", roster.label(d.open().from()));
        o.put("openedAt", d.body().openedAt());
        o.put("midpoint", d.midpoint(arbiter.policy().votingTimeoutMs()));
        o.put("fallbackActive", d.fallback().isPresent());
        ArrayNode ev = o.putArray("evidence");
        d.body().evidence().forEach(ev::add);
        ArrayNode votes = o.putArray("votes");
        for (Envelope v : d.votes().values()) {
            DisputeVote vote = (DisputeVote) v.body();
            ObjectNode row = votes.addObject();
            row.put("arbiter", roster.label(v.from()));
            row.put("decision", vote.decision().code());
            row.put("reason", vote.reason());
            row.put("votedAt", vote.votedAt());
        }
        o.put("rulingPublished", d.ruling().isPresent());
        if (!d.otherVotes().isEmpty()) {
            ArrayNode equivocators = o.putArray("equivocators");
            d.otherVotes().keySet().forEach(a -> equivocators.add(roster.label(a)));
        }
        return o;
    }

    private static ObjectNode summary(Dispute d) {
        ObjectNode o = Json.object();
        o.put("disputeId", d.id());
        o.put("status", d.status().name());
        o.put("subject", d.body().subject());
        o.put("deadline", d.deadline());
        o.put("votes", d.votes().size());
        d.decision().ifPresentOrElse(x -> o.put("decision", x.code()), () -> o.putNull("decision"));
        return o;
    }

    private static JsonNode list(JsonNode a, ArbiterMachine arbiter, Roster roster) {
        String status = a.path("status").asText("");
        if (!status.isEmpty()) {
            try {
                DisputeStatus.valueOf(status.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ControlCommands.Refused("status must be one of " + Arrays.stream(DisputeStatus.values())
                        .map(Enum::name).collect(Collectors.joining(", ")));
            }
        }
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (Dispute d : arbiter.disputes()) {
            if (status.isEmpty() || d.status().name().equalsIgnoreCase(status)) {
                out.add(summary(d));
            }
        }
        return out;
    }

    /** Per arbiter under its id today: votes cast under a key it rotated from count for it. */
    private static JsonNode reputation(ArbiterMachine arbiter, Roster roster, java.util.function.UnaryOperator<NodeId> current) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        Reputation.of(arbiter.disputes(), arbiter.policy(), current).values().forEach(s -> {
            ObjectNode o = out.addObject();
            o.put("arbiter", roster.label(s.arbiter()));
            o.put("nodeId", s.arbiter().hex());
            o.put("decisions", s.decisions());
            o.put("agreeing", s.agreeing());
            o.put("nonParticipations", s.nonParticipations());
            s.meanResponseHours().ifPresentOrElse(h -> o.put("meanResponseHours", Math.round(h * 100) / 100.0),
                    () -> o.putNull("meanResponseHours"));
            o.put("score", Math.round(s.score() * 100) / 100.0);
        });
        return out;
    }
}
