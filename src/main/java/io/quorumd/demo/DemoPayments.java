package io.quorumd.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.node.QuorumNode;
import io.quorumd.wire.Json;
import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probabilistic micropayments (DESIGN §14), driven as `quorumd pm fund` and `pm pay` drive them: node-1 funds its
 * account through ordering and pays node-2 an expected value in tickets; node-2 credits the EV as tickets arrive,
 * claims its winners once their params expire, and every node executes the ordered redemptions alike, so every node
 * ends with the same balances and node-2 earned the face value of its settled winners.
 */
final class DemoPayments {
    private static final Logger LOG = LoggerFactory.getLogger(DemoPayments.class);
    private static final long DEPOSIT = 100_000;
    private static final long RESERVE = 60_000;
    private static final long EV = 10_000;

    private final DemoScript script;
    /** The summary's line, once the winners settled. */
    String summary;

    DemoPayments(DemoScript script) {
        this.script = script;
    }

    /** Accounts and redemption are ordered state: they need 4 replicas or more. */
    boolean possible() {
        return script.nodes.size() >= 4;
    }

    private static JsonNode ask(QuorumNode n, String cmd, ObjectNode args) {
        try {
            return DemoScript.ask(n, cmd, args);
        } catch (IOException e) {
            return Json.object().put("error", String.valueOf(e.getMessage()));
        }
    }

    /** deposit/reserve/earned/paid/shortfall of {@code of} as {@code on} holds the ordered accounts. */
    private static String balance(QuorumNode on, String of) {
        JsonNode b = ask(on, "pm.balance", Json.object().put("node", of));
        return b.path("deposit").asText() + "/" + b.path("reserve").asText() + "/" + b.path("earned").asText() + "/"
                + b.path("paid").asText() + "/" + b.path("shortfall").asText();
    }

    private long agreeing(String payer, String payee) {
        String first = balance(script.nodes.get(0), payer) + "|" + balance(script.nodes.get(0), payee);
        return script.nodes.stream().filter(n -> (balance(n, payer) + "|" + balance(n, payee)).equals(first)).count();
    }

    private static long received(QuorumNode payee, String from) {
        for (JsonNode r : ask(payee, "pm.received", Json.object().put("from", from)).path("received")) {
            return Long.parseLong(r.path("ev").asText("0"));
        }
        return 0;
    }

    /** The payee's winning tickets: how many, how many settled, and the settled ones' face value. */
    private record Winners(int count, int settled, long faceSettled) {
        static Winners of(QuorumNode payee) {
            int count = 0;
            int settled = 0;
            long face = 0;
            for (JsonNode t : ask(payee, "pm.tickets", Json.object()).path("tickets")) {
                count++;
                if (t.path("state").asText().equals("settled")) {
                    settled++;
                    face += t.path("faceValue").asLong();
                }
            }
            return new Winners(count, settled, face);
        }
    }

    DemoScript.Result payAndSettle() throws IOException, InterruptedException {
        List<QuorumNode> nodes = script.nodes;
        int n = nodes.size();
        QuorumNode payer = nodes.get(0);
        QuorumNode payee = nodes.get(1);
        String p = payer.name();
        String q = payee.name();
        JsonNode fund = ask(payer, "pm.fund", Json.object().put("deposit", DEPOSIT).put("reserve", RESERVE));
        if (!fund.has("requestId")) { // the answer of a refused call is only its reason
            return new DemoScript.Result(false, "tickets: " + p + " could not fund its account: " + fund.path("error").asText());
        }
        String funded = DEPOSIT + "/" + RESERVE + "/";
        if (!script.await("every node has " + p + "'s deposit", () -> "tickets: " + p + "'s deposit ordered on "
                + nodes.stream().filter(x -> balance(x, p).startsWith(funded)).count() + "/" + n,
                () -> nodes.stream().allMatch(x -> balance(x, p).startsWith(funded)))) {
            return new DemoScript.Result(false, "tickets: " + p + "'s deposit not on every node");
        }
        JsonNode pay = ask(payer, "pm.pay", Json.object().put("to", q).put("ev", EV));
        if (!pay.path("error").asText("").isEmpty()) {
            return new DemoScript.Result(false, "tickets: " + p + " could not pay " + q + ": " + pay.path("error").asText());
        }
        LOG.atInfo().addKeyValue("from", p).addKeyValue("to", q).addKeyValue("ev", EV).log("demo: paying in tickets");
        if (!script.await(q + " credited the EV", () -> "tickets: " + q + " credited EV " + received(payee, p) + " of " + EV,
                () -> received(payee, p) >= EV)) {
            return new DemoScript.Result(false, "tickets: " + q + " credited EV " + received(payee, p) + " of " + EV);
        }
        long tickets = ask(payer, "pm.paying", Json.object().put("to", q)).path("tickets").asLong();
        boolean ok = script.await("winners settled alike everywhere", () -> {
            Winners w = Winners.of(payee);
            return "tickets: " + tickets + " paid; " + w.count() + " winners, " + w.settled() + " settled once their params"
                    + " expire";
        }, () -> {
            Winners w = Winners.of(payee);
            return w.count() > 0 && w.settled() == w.count() && agreeing(p, q) == n;
        });
        Winners w = Winners.of(payee);
        String earned = ask(payee, "pm.balance", Json.object().put("node", q)).path("earned").asText();
        ok &= earned.equals(String.valueOf(w.faceSettled()));
        LOG.atInfo().addKeyValue("tickets", tickets).addKeyValue("winners", w.count()).addKeyValue("settled", w.settled())
                .addKeyValue("earned", earned).addKeyValue("on_all", ok).log("demo: tickets settled");
        String balances = nodes.stream().map(x -> balance(x, q)).collect(Collectors.toSet()).size() == 1
                ? "the same balances on " + agreeing(p, q) + "/" + n + " nodes" : "balances differ between nodes";
        summary = "payments: " + p + " deposited " + DEPOSIT + " (reserve " + RESERVE + ") and paid " + q + " EV " + EV + " in "
                + tickets + " tickets; " + w.settled() + " of " + w.count() + " winners redeemed through ordering, " + q
                + " earned " + earned + "; " + balances;
        return new DemoScript.Result(ok, "tickets: " + p + " paid " + q + " EV " + EV + " in " + tickets + " tickets; "
                + w.settled() + " winners settled through ordering (" + q + " earned " + earned + "), " + balances);
    }
}
