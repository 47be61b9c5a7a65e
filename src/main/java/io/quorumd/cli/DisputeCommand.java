package io.quorumd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.node.ControlClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "dispute", mixinStandardHelpOptions = true, description = "Open, vote on and inspect disputes.",
        subcommands = {DisputeCommand.Open.class, DisputeCommand.Vote.class, DisputeCommand.Show.class,
                DisputeCommand.ListCmd.class})
final class DisputeCommand extends GroupCommand {
    static final long MAX_EVIDENCE = 1 << 20;

    @Command(name = "open", mixinStandardHelpOptions = true, description = "Open a dispute; prints its id.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd dispute open --subject pay-20240611-17 --buyer node-1 \\",
                    "      --seller node-3 --amount 1500 --reason \"goods not delivered\"",
                    "  quorumd dispute open --subject pay-42 --buyer node-1 --seller node-3 \\",
                    "      --amount 90 --reason late --evidence receipt.pdf --json"})
    static final class Open implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Mixin
        JsonOption json;

        @Option(names = "--subject", required = true, description = "What is disputed, e.g. a payment id.")
        String subject;

        @Option(names = "--buyer", required = true, description = "Roster name of the buyer.")
        String buyer;

        @Option(names = "--seller", required = true, description = "Roster name of the seller.")
        String seller;

        @Option(names = "--amount", required = true, description = "Amount in integer minor units.")
        long amount;

        @Option(names = "--reason", required = true, description = "Why.")
        String reason;

        @Option(names = "--evidence", description = "Evidence file (at most 1 MiB; repeatable). Kept by the daemon; its SHA-256 is signed.")
        List<Path> evidence = List.of();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if (amount < 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--amount must not be negative");
            }
            ObjectNode req = ControlClient.request("dispute.open");
            req.put("subject", subject).put("buyer", buyer).put("seller", seller).put("amount", amount).put("reason", reason);
            ArrayNode files = req.putArray("evidenceFiles");
            for (Path p : evidence) {
                try {
                    if (Files.size(p) > MAX_EVIDENCE) {
                        throw new CommandLine.ParameterException(spec.commandLine(), "--evidence " + p + " is larger than 1 MiB");
                    }
                    files.addObject().put("name", p.getFileName().toString())
                            .put("base64", Base64.getEncoder().encodeToString(Files.readAllBytes(p)));
                } catch (IOException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--evidence " + p + ": cannot read: " + e.getMessage());
                }
            }
            return json.report(daemon.call(req), r -> System.out.println(r.path("disputeId").asText()));
        }
    }

    /** The two sides a vote can take. */
    enum Side { buyer, seller }

    @Command(name = "vote", mixinStandardHelpOptions = true, description = "Vote on a dispute as this node (an arbiter).",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd dispute vote 3f9a1c --for buyer --reason \"no delivery proof\"",
                    "  quorumd dispute vote 3f9a1c --for seller --reason \"tracking shows delivery\" \\",
                    "      --json"})
    static final class Vote implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Mixin
        JsonOption json;

        @Parameters(paramLabel = "ID", description = "Dispute id (or a unique prefix of at least 6 characters).")
        String id;

        @Option(names = "--for", required = true, description = "buyer or seller.")
        Side side;

        @Option(names = "--reason", required = true, description = "Why.")
        String reason;

        @Override
        public Integer call() {
            ObjectNode req = ControlClient.request("dispute.vote");
            req.put("disputeId", id).put("decision", side.name()).put("reason", reason);
            return json.report(daemon.call(req), r -> System.out.println("voted " + side.name().toUpperCase() + " on "
                    + r.path("disputeId").asText() + "; dispute is " + r.path("status").asText()
                    + (r.has("decision") ? " (" + r.path("decision").asText() + ")" : "")));
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Status, votes, deadline and ruling of a dispute.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd dispute show 3f9a1c",
                    "  quorumd dispute show 3f9a1c --json"})
    static final class Show implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Mixin
        JsonOption json;

        @Parameters(paramLabel = "ID", description = "Dispute id (or a unique prefix of at least 6 characters).")
        String id;

        @Override
        public Integer call() {
            ObjectNode req = ControlClient.request("dispute.show");
            req.put("disputeId", id);
            return json.report(daemon.call(req), r -> {
                System.out.println("dispute:  " + r.path("disputeId").asText());
                System.out.println("status:   " + r.path("status").asText()
                        + (r.path("decision").isNull() ? "" : " — ruling: " + r.path("decision").asText()));
                System.out.println("subject:  " + r.path("subject").asText() + " (buyer " + r.path("buyer").asText()
                        + ", seller " + r.path("seller").asText() + ", amount " + r.path("amount").asLong() + ")");
                System.out.println("reason:   " + r.path("reason").asText());
                System.out.println("opened:   " + Instant.ofEpochMilli(r.path("openedAt").asLong()) + " by "
                        + r.path("openedBy").asText());
                System.out.println("deadline: " + Instant.ofEpochMilli(r.path("deadline").asLong())
                        + (r.path("fallbackActive").asBoolean() ? " (extended: fallback arbiters active)" : ""));
                System.out.println("votes:    " + r.path("votes").size());
                for (JsonNode v : r.path("votes")) {
                    System.out.println("  " + v.path("arbiter").asText() + "  " + v.path("decision").asText() + "  "
                            + Instant.ofEpochMilli(v.path("votedAt").asLong()) + "  " + v.path("reason").asText());
                }
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Disputes this node knows.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd dispute list",
                    "  quorumd dispute list --status OPEN --json"})
    static final class ListCmd implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Mixin
        JsonOption json;

        @Option(names = "--status", description = "OPEN, FALLBACK, RESOLVED, DEADLOCKED, EXPIRED or CONTESTED.")
        String status;

        @Override
        public Integer call() {
            ObjectNode req = ControlClient.request("dispute.list");
            if (status != null) {
                req.put("status", status);
            }
            return json.report(daemon.call(req), rows -> {
                System.out.printf("%-32s %-10s %5s %-8s %-24s %s%n", "dispute", "status", "votes", "ruling", "deadline", "subject");
                for (JsonNode r : rows) {
                    System.out.printf("%-32s %-10s %5d %-8s %-24s %s%n", r.path("disputeId").asText(),
                            r.path("status").asText(), r.path("votes").asInt(),
                            r.path("decision").isNull() ? "-" : r.path("decision").asText(),
                            Instant.ofEpochMilli(r.path("deadline").asLong()), r.path("subject").asText());
                }
            });
        }
    }
}
