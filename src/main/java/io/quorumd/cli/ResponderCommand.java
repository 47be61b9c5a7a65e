package io.quorumd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.node.ControlClient;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "responder", mixinStandardHelpOptions = true,
        description = "Decisions this node re-publishes until enough peers hold them, and requests it submitted until executed.",
        subcommands = {ResponderCommand.ListCmd.class, ResponderCommand.ShowCmd.class, ResponderCommand.RetryCmd.class,
                ResponderCommand.DropCmd.class})
final class ResponderCommand extends GroupCommand {

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Trackers, pending ones by default.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd responder list",
                    "  quorumd responder list --state all --json"})
    static final class ListCmd implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Mixin
        JsonOption json;

        @Option(names = "--state", description = "pending (default), confirmed, open or all.")
        String state = "pending";

        @Override
        public Integer call() {
            ObjectNode req = ControlClient.request("responder.list");
            req.put("state", state);
            return json.report(daemon.call(req), rows -> {
                System.out.printf("%-52s %-9s %6s %4s  %s%n", "tracker", "state", "copies", "sent", "created");
                for (JsonNode t : rows) {
                    System.out.printf("%-52s %-9s %6d %4d  %s%n", t.path("id").asText(), t.path("state").asText(),
                            t.path("copies").asInt(), t.path("sent").asInt(), Instant.ofEpochMilli(t.path("createdAt").asLong()));
                }
            });
        }
    }

    /** Prints one tracker's answer. */
    static void print(JsonNode t) {
        boolean request = t.has("deadline");
        System.out.println((request ? "request:  " : "decision: ") + t.path("id").asText());
        System.out.println("state:    " + t.path("state").asText() + (t.has("ended") ? " (" + t.path("ended").asText() + ")" : ""));
        if (request) {
            System.out.println("deadline: " + Instant.ofEpochMilli(t.path("deadline").asLong()) + " (pushed until a batch holding it executes)");
            System.out.println("sent:     " + t.path("sent").asInt() + " re-publications, backoff level " + t.path("backoffLevel").asInt()
                    + ", " + t.path("misses").asInt() + " missed confirmations"
                    + (t.path("nextRetryInTicks").asInt() >= 0 ? ", next retry after " + t.path("nextRetryInTicks").asInt() + " more" : ""));
            return;
        }
        System.out.println("copies:   " + t.path("copies").asInt() + " of " + t.path("minCopies").asInt() + " needed");
        System.out.println("sent:     " + t.path("sent").asInt() + " re-publications, backoff level " + t.path("backoffLevel").asInt()
                + ", " + t.path("misses").asInt() + " missed ticks"
                + (t.path("nextRetryInTicks").asInt() >= 0 ? ", next retry in " + t.path("nextRetryInTicks").asInt() + " ticks" : ""));
        StringBuilder acks = new StringBuilder();
        t.path("acks").fieldNames().forEachRemaining(n -> acks.append(acks.length() == 0 ? "" : ", ").append(n));
        System.out.println("acked by: " + (acks.length() == 0 ? "-" : acks));
        StringBuilder missing = new StringBuilder();
        t.path("missing").forEach(m -> missing.append(missing.length() == 0 ? "" : ", ").append(m.asText()));
        System.out.println("missing:  " + (missing.length() == 0 ? "-" : missing));
    }

    /** A command on one tracker: asks the daemon {@link #method()} and prints the tracker it answers. */
    abstract static class OnTracker implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Mixin
        JsonOption json;

        @Parameters(paramLabel = "ID", description = "The decision or request tracker id, or a unique part of it.")
        String id;

        abstract String method();

        void addTo(ObjectNode request) {
        }

        @Override
        public Integer call() {
            ObjectNode req = ControlClient.request(method());
            req.put("id", id);
            addTo(req);
            return json.report(daemon.call(req), ResponderCommand::print);
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "One tracker: acks by member, missing, misses, next retry.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd responder show ruling:3f9a1c",
                    "  quorumd responder show request:8be2 --json"})
    static final class ShowCmd extends OnTracker {
        @Override
        String method() {
            return "responder.show";
        }
    }

    @Command(name = "retry", mixinStandardHelpOptions = true, description = "Publish a tracked decision or request again now.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd responder retry ruling:3f9a1c"})
    static final class RetryCmd extends OnTracker {
        @Override
        String method() {
            return "responder.retry";
        }
    }

    @Command(name = "drop", mixinStandardHelpOptions = true, description = "Stop re-publishing a decision or request (recorded with the reason).",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd responder drop ruling:3f9a1c --reason \"node-4 left the federation\""})
    static final class DropCmd extends OnTracker {
        @Option(names = "--reason", required = true, description = "Why you give up on it.")
        String reason;

        @Override
        String method() {
            return "responder.drop";
        }

        @Override
        void addTo(ObjectNode request) {
            request.put("reason", reason);
        }
    }
}
