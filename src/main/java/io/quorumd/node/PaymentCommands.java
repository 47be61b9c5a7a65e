package io.quorumd.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.NodeId;
import io.quorumd.pm.Account;
import io.quorumd.pm.Accounts;
import io.quorumd.pm.Ev;
import io.quorumd.pm.ParamsOffer;
import io.quorumd.pm.PmOp;
import io.quorumd.pm.Winner;
import io.quorumd.pm.WinnerState;
import io.quorumd.wire.Json;
import io.quorumd.wire.Member;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code pm.*} commands of the control socket (DESIGN §14), run on the loop thread: ask for params, pay, show
 * what was received, the winners and the ordered accounts, and sign the account operations. Without ordering
 * (fewer than 4 replicas) the account and redemption commands say that ordering is needed.
 */
final class PaymentCommands {
    static final String NEEDS_ORDERING = "pm accounts and redemption need ordering: at least 4 replicas in the roster"
            + " (order.enabled); this federation exchanges tickets and counts EV only";

    private PaymentCommands() {
    }

    static JsonNode run(String cmd, JsonNode args, NodeCore core) {
        NodePayments pm = core.payments().orElseThrow(() -> new ControlCommands.Refused(
                "pm is off on this node (pm.enabled: false)"));
        return switch (cmd) {
            case "pm.params" -> {
                NodeId from = member(core, args, "from");
                if (pm.sender().session(from).isEmpty()) {
                    pm.paying().requestParams(from);
                }
                yield params(core, from, pm.sender().session(from), pm.sender().nextNonce(from).orElse(0L));
            }
            case "pm.pay" -> {
                NodeId to = member(core, args, "to");
                long ev = args.path("ev").asLong(0);
                if (!args.path("ev").isIntegralNumber() || !args.path("ev").canConvertToLong() || ev < 1) {
                    throw new ControlCommands.Refused("--ev is a whole number of minor units, at least 1");
                }
                pm.paying().pay(to, ev);
                yield paying(core, to, pm.book().paying(to));
            }
            case "pm.paying" -> {
                NodeId to = member(core, args, "to");
                yield paying(core, to, pm.book().paying(to));
            }
            case "pm.received" -> received(core, pm, args);
            case "pm.tickets" -> tickets(core, pm, args.path("state").asText(""));
            case "pm.balance" -> balance(core, pm, args);
            case "pm.fund" -> propose(core, new PmOp.Fund(amount(args, "deposit"), amount(args, "reserve")));
            case "pm.unlock" -> propose(core, new PmOp.Unlock());
            case "pm.cancelUnlock" -> propose(core, new PmOp.CancelUnlock());
            case "pm.withdraw" -> propose(core, new PmOp.Withdraw());
            default -> throw new ControlCommands.Refused("unknown command " + cmd);
        };
    }

    private static NodeId member(NodeCore core, JsonNode args, String field) {
        String name = args.path(field).asText("");
        Member m = core.roster().byName(name).orElseThrow(() -> new ControlCommands.Refused(
                "no roster member named '" + name + "' (--" + field + ")"));
        if (m.nodeId().equals(core.id())) {
            throw new ControlCommands.Refused("--" + field + " names this node: a member does not pay itself");
        }
        return m.nodeId();
    }

    private static long amount(JsonNode args, String field) {
        JsonNode n = args.path(field);
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0) {
            throw new ControlCommands.Refused("--" + field + " is a whole number of minor units, at least 0");
        }
        return n.asLong();
    }

    private static ObjectNode propose(NodeCore core, PmOp op) {
        NodeOrdering o = core.ordering().orElseThrow(() -> new ControlCommands.Refused(NEEDS_ORDERING));
        ObjectNode out = Json.object();
        out.put("requestId", o.propose(op.op(), op.args(), 0));
        out.put("op", op.op());
        return out;
    }

    private static ObjectNode params(NodeCore core, NodeId from, Optional<ParamsOffer> offer, long nextNonce) {
        ObjectNode o = Json.object();
        o.put("from", core.roster().label(from));
        o.put("held", offer.isPresent());
        offer.ifPresent(p -> {
            o.put("faceValue", p.params().faceValue());
            o.put("winProb", io.quorumd.pm.Uint256.hex(p.params().winProb()));
            o.put("ev", p.params().ev().toString());
            o.put("expiresAt", p.params().expiresAt());
            o.put("maxNonces", p.maxNonces());
            o.put("nextNonce", nextNonce);
        });
        return o;
    }

    private static ObjectNode paying(NodeCore core, NodeId to, PmBook.Paying p) {
        ObjectNode o = Json.object();
        o.put("to", core.roster().label(to));
        o.put("owed", p.owed.floor().toString());
        o.put("tickets", p.ticketsSent);
        o.put("evSent", p.evSent.floor().toString());
        o.put("evSentExact", p.evSent.toString());
        o.put("error", p.lastError);
        return o;
    }

    private static ObjectNode received(NodeCore core, NodePayments pm, JsonNode args) {
        Optional<NodeId> only = args.hasNonNull("from") ? Optional.of(member(core, args, "from")) : Optional.empty();
        ObjectNode o = Json.object();
        ArrayNode rows = o.putArray("received");
        for (Member m : core.roster().members()) {
            if (m.nodeId().equals(core.id()) || only.filter(id -> !id.equals(m.nodeId())).isPresent()) {
                continue;
            }
            Ev ev = pm.recipient().received(m.nodeId());
            ObjectNode r = rows.addObject();
            r.put("from", m.name());
            r.put("tickets", pm.book().acceptedFrom(m.nodeId()));
            r.put("ev", ev.floor().toString());
            r.put("evExact", ev.toString());
        }
        ObjectNode refusals = o.putObject("refused");
        pm.recipient().refusalCounts().forEach((code, n) -> refusals.put(code.code(), n));
        return o;
    }

    private static ObjectNode tickets(NodeCore core, NodePayments pm, String state) {
        Optional<WinnerState> want = WinnerState.ofCode(state.toLowerCase(Locale.ROOT));
        if (!state.isEmpty() && want.isEmpty()) {
            throw new ControlCommands.Refused("--state is one of won, claimed, settled, refused, expired");
        }
        ObjectNode o = Json.object();
        ArrayNode rows = o.putArray("tickets");
        for (Winner w : pm.recipient().winners()) {
            if (want.isPresent() && w.state() != want.get()) {
                continue;
            }
            ObjectNode r = rows.addObject();
            r.put("ticketId", w.ticketId());
            r.put("from", core.roster().label(w.signed().ticket().sender()));
            r.put("faceValue", w.signed().ticket().faceValue());
            r.put("paramsExpiresAt", w.signed().ticket().paramsExpiresAt());
            r.put("state", w.state().code());
            pm.book().requestOf(w.ticketId()).ifPresent(id -> r.put("requestId", id));
        }
        return o;
    }

    private static ObjectNode balance(NodeCore core, NodePayments pm, JsonNode args) {
        Accounts accounts = pm.view().accounts().orElseThrow(() -> new ControlCommands.Refused(NEEDS_ORDERING));
        NodeId who = core.id();
        if (args.hasNonNull("node")) {
            String name = args.path("node").asText();
            who = core.roster().byName(name).map(Member::nodeId).orElseThrow(() -> new ControlCommands.Refused(
                    "no roster member named '" + name + "' (--node)"));
        }
        Account a = accounts.account(who);
        ObjectNode o = Json.object();
        o.put("node", core.roster().label(who));
        o.put("deposit", a.deposit().toString());
        o.put("reserve", a.reserve().toString());
        o.put("withdrawAt", a.withdrawAt());
        o.put("earned", a.earned().toString());
        o.put("paid", a.paid().toString());
        o.put("shortfall", a.shortfall().toString());
        o.put("asOfSeq", accounts.lastSeq());
        return o;
    }
}
