package io.quorumd.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.node.ControlClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "sync", mixinStandardHelpOptions = true, description = "Catch up with peers.",
        subcommands = SyncCommand.NowCmd.class)
final class SyncCommand extends GroupCommand {

    @Command(name = "now", mixinStandardHelpOptions = true,
            description = "Ask a peer (an online one, or --peer) for the decisions this node may have missed.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd sync now",
                    "  quorumd sync now --peer node-2 --json"})
    static final class NowCmd implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Mixin
        JsonOption json;

        @Option(names = "--peer", description = "The member to ask (its roster name).")
        String peer;

        @Override
        public Integer call() {
            ObjectNode req = ControlClient.request("sync.now");
            if (peer != null) {
                req.put("peer", peer);
            }
            return json.report(daemon.call(req), r -> System.out.println(r.path("message").asText()));
        }
    }
}
