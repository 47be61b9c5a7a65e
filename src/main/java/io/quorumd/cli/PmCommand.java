package io.quorumd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.node.ControlClient;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "pm", mixinStandardHelpOptions = true,
        description = "Micropayment tickets between members: params, paying, what was received, winners, accounts.",
        subcommands = {PmCommand.Params.class, PmCommand.Pay.class, PmCommand.Received.class, PmCommand.Tickets.class,
                PmCommand.Balance.class, PmCommand.Fund.class, PmCommand.Unlock.class, PmCommand.CancelUnlock.class,
                PmCommand.Withdraw.class})
final class PmCommand extends GroupCommand {
    private static final Duration POLL = Duration.ofMillis(200);

    /** Asks again every 200 ms until {@code done} holds or {@code limit} passed; the last answer. */
    static DaemonOption.Answer until(DaemonOption daemon, ObjectNode request, Predicate<JsonNode> done, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        DaemonOption.Answer a = daemon.call(request);
        while (a.result() != null && !done.test(a.result()) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(POLL.toNanos());
            a = daemon.call(request);
        }
        return a;
    }

    @Command(name = "params", mixinStandardHelpOptions = true,
            description = "Ask a member for ticket params (this node pays it), and show them once they arrive.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd pm params --from node-2",
                    "  quorumd pm params --from node-2 --wait 30 --json"})
    static final class Params implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Mixin
        JsonOption json;

        @Option(names = "--from", required = true, description = "The member to pay (it issues the params).")
        String from;

        @Option(names = "--wait", defaultValue = "10", description = "Seconds to wait for the params (default: ${DEFAULT-VALUE}).")
        long waitSeconds;

        @Override
        public Integer call() {
            ObjectNode req = ControlClient.request("pm.params");
            req.put("from", from);
            DaemonOption.Answer a = until(daemon, req, r -> r.path("held").asBoolean(), Duration.ofSeconds(waitSeconds));
            int code = json.report(a, r -> {
                if (r.path("held").asBoolean()) {
                    System.out.println("params from " + r.path("from").asText() + ": faceValue " + r.path("faceValue").asLong()
                            + ", EV per ticket " + r.path("ev").asText() + ", up to " + r.path("maxNonces").asInt()
                            + " nonces, next nonce " + r.path("nextNonce").asLong() + ", expire "
                            + Instant.ofEpochMilli(r.path("expiresAt").asLong()));
                }
            });
            if (a.result() != null && !a.result().path("held").asBoolean()) {
                System.err.println("quorumd: no params from " + from + " within " + waitSeconds + " s (is pm enabled there,"
                        + " and is this node funded? see the daemon's log)");
                return Main.FAILURE;
            }
            return code;
        }
    }

    @Command(name = "pay", mixinStandardHelpOptions = true,
            description = "Pay a member EV worth N minor units in tickets; prints the tickets and EV sent.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd pm pay --to node-2 --ev 5000",
                    "  quorumd pm pay --to node-2 --ev 200 --wait 0 --json"})
    static final class Pay implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Mixin
        JsonOption json;

        @Option(names = "--to", required = true, description = "The member to pay.")
        String to;

        @Option(names = "--ev", required = true, description = "Expected value to send, in minor units.")
        long ev;

        @Option(names = "--wait", defaultValue = "120", description = "Seconds to wait until all of it went out (default: ${DEFAULT-VALUE}; 0: do not wait).")
        long waitSeconds;

        @Override
        public Integer call() {
            ObjectNode req = ControlClient.request("pm.pay");
            req.put("to", to);
            req.put("ev", ev);
            DaemonOption.Answer a = daemon.call(req);
            if (a.result() == null) {
                return a.exitCode();
            }
            ObjectNode poll = ControlClient.request("pm.paying");
            poll.put("to", to);
            Predicate<JsonNode> done = r -> r.path("owed").asText().equals("0") || !r.path("error").asText().isEmpty();
            if (waitSeconds > 0 && !done.test(a.result())) {
                a = until(daemon, poll, done, Duration.ofSeconds(waitSeconds));
            }
            int code = json.report(a, r -> System.out.println("to " + r.path("to").asText() + ": " + r.path("tickets").asLong()
                    + " tickets, EV " + r.path("evSent").asText() + " sent in all"
                    + (r.path("owed").asText().equals("0") ? "" : "; still owed " + r.path("owed").asText())));
            if (a.result() != null && !a.result().path("error").asText().isEmpty()) {
                System.err.println("quorumd: paying stopped: " + a.result().path("error").asText());
                return Main.FAILURE;
            }
            return code;
        }
    }

    @Command(name = "received", mixinStandardHelpOptions = true, description = "EV received from each member (accepted tickets).",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd pm received",
                    "  quorumd pm received --from node-3 --json"})
    static final class Received implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Mixin
        JsonOption json;

        @Option(names = "--from", description = "Only this member.")
        String from;

        @Override
        public Integer call() {
            ObjectNode req = ControlClient.request("pm.received");
            if (from != null) {
                req.put("from", from);
            }
            return json.report(daemon.call(req), answer -> {
                System.out.printf("%-16s %10s %14s%n", "from", "tickets", "ev");
                for (JsonNode r : answer.path("received")) {
                    System.out.printf("%-16s %10d %14s%n", r.path("from").asText(), r.path("tickets").asLong(), r.path("ev").asText());
                }
                StringBuilder refused = new StringBuilder();
                JsonNode counts = answer.path("refused");
                counts.fieldNames().forEachRemaining(code -> refused.append(refused.length() == 0 ? "" : ", ")
                        .append(code).append(' ').append(counts.path(code).asLong()));
                System.out.println("tickets refused: " + (refused.length() == 0 ? "none" : refused));
            });
        }
    }

    @Command(name = "tickets", mixinStandardHelpOptions = true, description = "Winning tickets this node holds, and where each stands.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd pm tickets",
                    "  quorumd pm tickets --state won --json"})
    static final class Tickets implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Mixin
        JsonOption json;

        @Option(names = "--state", description = "won, claimed, settled, refused or expired.")
        String state;

        @Override
        public Integer call() {
            ObjectNode req = ControlClient.request("pm.tickets");
            if (state != null) {
                req.put("state", state);
            }
            return json.report(daemon.call(req), answer -> {
                System.out.printf("%-16s %-12s %10s %-8s %s%n", "ticket", "from", "faceValue", "state", "params expire");
                for (JsonNode t : answer.path("tickets")) {
                    System.out.printf("%-16s %-12s %10d %-8s %s%n", t.path("ticketId").asText().substring(0, 16),
                            t.path("from").asText(), t.path("faceValue").asLong(), t.path("state").asText(),
                            Instant.ofEpochMilli(t.path("paramsExpiresAt").asLong()));
                }
            });
        }
    }

    @Command(name = "balance", mixinStandardHelpOptions = true,
            description = "A member's ordered account: deposit, reserve, earned, paid, shortfall.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd pm balance",
                    "  quorumd pm balance --node node-2 --json"})
    static final class Balance implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Mixin
        JsonOption json;

        @Option(names = "--node", description = "The member (default: this node).")
        String node;

        @Override
        public Integer call() {
            ObjectNode req = ControlClient.request("pm.balance");
            if (node != null) {
                req.put("node", node);
            }
            return json.report(daemon.call(req), r -> System.out.println(r.path("node").asText() + ": deposit " + r.path("deposit").asText() + ", reserve "
                        + r.path("reserve").asText() + ", earned " + r.path("earned").asText() + ", paid "
                        + r.path("paid").asText() + ", shortfall " + r.path("shortfall").asText()
                        + (r.path("withdrawAt").asLong() == 0 ? "" : ", withdrawable at "
                        + Instant.ofEpochMilli(r.path("withdrawAt").asLong()))
                        + " (as of seq " + r.path("asOfSeq").asLong() + ")"));
        }
    }

    /** An account operation: signed here, ordered by the replicas; prints the request id. */
    abstract static class AccountOp implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Mixin
        JsonOption json;

        abstract String method();

        void addTo(ObjectNode request) {
        }

        @Override
        public Integer call() {
            ObjectNode req = ControlClient.request(method());
            addTo(req);
            return json.report(daemon.call(req), r -> System.out.println(r.path("op").asText() + " proposed: request "
                    + r.path("requestId").asText() + " (quorumd federation log shows its result)"));
        }
    }

    @Command(name = "fund", mixinStandardHelpOptions = true, description = "Add to this node's deposit and reserve (ordered).",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd pm fund --deposit 100000 --reserve 50000",
                    "  quorumd pm fund --deposit 2000 --json"})
    static final class Fund extends AccountOp {
        @Option(names = "--deposit", defaultValue = "0", description = "Minor units added to the deposit.")
        long deposit;

        @Option(names = "--reserve", defaultValue = "0", description = "Minor units added to the reserve.")
        long reserve;

        @Override
        String method() {
            return "pm.fund";
        }

        @Override
        void addTo(ObjectNode request) {
            request.put("deposit", deposit);
            request.put("reserve", reserve);
        }
    }

    @Command(name = "unlock", mixinStandardHelpOptions = true, description = "Start the unlock period of this node's funds (ordered).",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd pm unlock",
                    "  quorumd pm unlock --config /etc/quorumd/quorumd.yaml --json"})
    static final class Unlock extends AccountOp {
        @Override
        String method() {
            return "pm.unlock";
        }
    }

    @Command(name = "cancel-unlock", mixinStandardHelpOptions = true, description = "Stop a running unlock (ordered).",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd pm cancel-unlock"})
    static final class CancelUnlock extends AccountOp {
        @Override
        String method() {
            return "pm.cancelUnlock";
        }
    }

    @Command(name = "withdraw", mixinStandardHelpOptions = true, description = "Take out deposit and reserve once unlocked (ordered).",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd pm withdraw",
                    "  quorumd pm withdraw --json"})
    static final class Withdraw extends AccountOp {
        @Override
        String method() {
            return "pm.withdraw";
        }
    }
}
