package io.quorumd.cli;

import io.quorumd.config.FederationInit;
import io.quorumd.crypto.KeyFileException;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "federation", mixinStandardHelpOptions = true,
        description = "Lab federations, and ordered roster changes through the local daemon.",
        subcommands = {FederationCommand.Init.class, FederationPropose.Propose.class, FederationClient.Endorse.class,
                FederationClient.Requests.class, FederationClient.Show.class, FederationClient.Log.class,
                FederationClient.Export.class, FederationPropose.Proof.class})
final class FederationCommand extends GroupCommand {

    @Command(name = "init", mixinStandardHelpOptions = true,
            description = "Write keys and one config per node sharing one roster: DIR/node-K/{node.key,quorumd.yaml}.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd federation init --nodes 5 --out /tmp/lab",
                    "  quorumd federation init --nodes 4 --out /tmp/lab --fast \\",
                    "      --broker tcp://127.0.0.1:1883 --prefix lab/a"})
    static final class Init implements Callable<Integer> {
        @Option(names = "--nodes", required = true, description = "Number of nodes (at least 2).")
        int nodes;

        @Option(names = "--out", required = true, description = "Directory to write into.")
        Path out;

        @Option(names = "--broker", defaultValue = "tcp://127.0.0.1:1883", description = "Broker URL (default: ${DEFAULT-VALUE}).")
        String broker;

        @Option(names = "--prefix", description = "Topic prefix (default: quorumd/lab).")
        String prefix;

        @Option(names = "--fast", description = "Short timings for labs and tests.")
        boolean fast;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if (nodes < 2) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--nodes must be at least 2");
            }
            try {
                var written = FederationInit.write(out, new FederationInit.Options(nodes, broker, prefix, fast),
                        new SecureRandom());
                for (var f : written) {
                    System.out.println(f.name() + "  " + f.nodeId() + "  " + f.config());
                }
                if (nodes >= 4) {
                    System.out.println("node-" + (nodes + 1) + "  (spare, outside the roster)  "
                            + out.resolve("node-" + (nodes + 1)).resolve("quorumd.yaml"));
                }
                return Main.OK;
            } catch (IOException | KeyFileException e) {
                System.err.println("quorumd federation init: " + e.getMessage());
                return Main.FAILURE;
            }
        }
    }
}
