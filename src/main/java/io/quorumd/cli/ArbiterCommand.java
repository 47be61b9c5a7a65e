package io.quorumd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.quorumd.node.ControlClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "arbiter", mixinStandardHelpOptions = true, description = "Arbiters.",
        subcommands = ArbiterCommand.ReputationCmd.class)
final class ArbiterCommand extends GroupCommand {

    @Command(name = "reputation", mixinStandardHelpOptions = true, description = "Each arbiter's reputation, derived from the ledger.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd arbiter reputation",
                    "  quorumd arbiter reputation --config /etc/quorumd/quorumd.yaml --json"})
    static final class ReputationCmd implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Mixin
        JsonOption json;

        @Override
        public Integer call() {
            return json.report(daemon.call(ControlClient.request("arbiter.reputation")), rows -> {
                System.out.printf("%-10s %-9s %9s %8s %8s %10s %7s%n", "arbiter", "id", "decisions", "agreeing",
                        "absent", "mean_resp_h", "score");
                for (JsonNode r : rows) {
                    JsonNode hours = r.path("meanResponseHours");
                    System.out.printf("%-10s %-9s %9d %8d %8d %10s %7.2f%n", r.path("arbiter").asText(),
                            r.path("nodeId").asText().substring(0, 8), r.path("decisions").asLong(),
                            r.path("agreeing").asLong(), r.path("nonParticipations").asLong(),
                            hours.isNumber() ? String.format("%.2f", hours.asDouble()) : "-", r.path("score").asDouble());
                }
            });
        }
    }
}
