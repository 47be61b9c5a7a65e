package io.quorumd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.node.ControlClient;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "checkpoint", mixinStandardHelpOptions = true, description = "Checkpoints held by the running daemon.",
        subcommands = {CheckpointCommand.Show.class, CheckpointCommand.Now.class})
final class CheckpointCommand extends GroupCommand {

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Latest checkpoint per subject: values, asOf, round, signature count.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd checkpoint show",
                    "  quorumd checkpoint show --subject node-2 --json",
                    "  quorumd checkpoint show --config /etc/quorumd/quorumd.yaml"})
    static final class Show implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Mixin
        JsonOption json;

        @Option(names = "--subject", description = "Only this roster member (by name).")
        String subject;

        @Override
        public Integer call() {
            ObjectNode req = ControlClient.request("checkpoint.show");
            if (subject != null) {
                req.put("subject", subject);
            }
            return json.report(daemon.call(req), rows -> {
                System.out.printf("%-10s %-9s %-24s %5s %8s %10s %-20s %4s%n", "subject", "id", "asOf", "round",
                        "restarts", "uptime_s", "firstSeen", "sigs");
                for (JsonNode r : rows) {
                    if (r.path("checkpointId").isNull()) {
                        System.out.printf("%-10s %-9s (no checkpoint yet)%n", r.path("subject").asText(),
                                r.path("subjectId").asText().substring(0, 8));
                        continue;
                    }
                    System.out.printf("%-10s %-9s %-24s %5d %8d %10d %-20s %4d%n", r.path("subject").asText(),
                            r.path("subjectId").asText().substring(0, 8), Instant.ofEpochMilli(r.path("asOf").asLong()),
                            r.path("round").asInt(), r.path("restarts").asLong(), r.path("totalUptime").asLong(),
                            Instant.ofEpochSecond(r.path("firstSeen").asLong()), r.path("signatures").asInt());
                }
            });
        }
    }

    @Command(name = "now", mixinStandardHelpOptions = true, description = "Propose this node's checkpoint at once.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd checkpoint now",
                    "  quorumd checkpoint now --socket /run/quorumd/control.sock --json"})
    static final class Now implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Mixin
        JsonOption json;

        @Override
        public Integer call() {
            return json.report(daemon.call(ControlClient.request("checkpoint.now")),
                    r -> System.out.println(r.path("message").asText()));
        }
    }
}
