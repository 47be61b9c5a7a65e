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
            description = "Ask a peer (an online one, or --peer) for the decisions this node may have missed.")
    static final class NowCmd implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Option(names = "--peer", description = "The member to ask (its roster name).")
        String peer;

        @Override
        public Integer call() {
            ObjectNode req = ControlClient.request("sync.now");
            if (peer != null) {
                req.put("peer", peer);
            }
            DaemonOption.Answer a = daemon.call(req);
            if (a.result() != null && !daemon.json) {
                System.out.println(a.result().path("message").asText());
            }
            return a.exitCode();
        }
    }
}
