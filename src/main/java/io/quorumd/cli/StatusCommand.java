package io.quorumd.cli;

import io.quorumd.node.ControlClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Ask the running daemon how it is.",
                "Exit codes: 0 running and connected to its broker, 3 running but not connected, 1 not running or no"
                        + " answer, 4 permission denied on the control socket (or its directory), 2 a config error."},
        footerHeading = "%nExamples:%n",
        footer = {"  quorumd status",
                "  quorumd status --config /etc/quorumd/quorumd.yaml --json",
                "  quorumd status --socket /run/quorumd/control.sock"})
final class StatusCommand implements Callable<Integer> {
    /** The daemon answered, but it is not connected to its broker: scripts and monitors should not read that as fine. */
    static final int NOT_CONNECTED = 3;

    @Mixin
    DaemonOption daemon;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() {
        DaemonOption.Answer a = daemon.call(ControlClient.request("status"));
        int code = json.report(a, r -> {
            System.out.println("node:         " + r.path("node").asText() + " (" + r.path("nodeId").asText() + ")");
            System.out.println("version:      " + r.path("version").asText());
            System.out.println("broker:       " + r.path("broker").asText() + (r.path("connected").asBoolean()
                    ? " (connected)" : " (NOT connected)"));
            System.out.println("peers online: " + r.path("peersOnline").asLong() + "/" + r.path("peers").asLong());
            System.out.println("checkpoints:  " + r.path("checkpoints").asLong() + " subjects");
            if (r.has("openDisputes")) {
                System.out.println("disputes:     " + r.path("openDisputes").asLong() + " open");
            }
            System.out.println("ledger:       " + r.path("ledgerEntries").asLong() + " entries, "
                    + r.path("ledgerBytes").asLong() + " bytes, last seq " + r.path("ledgerSeq").asLong());
            if (r.has("pendingTrackers")) {
                System.out.println("responder:    " + r.path("pendingTrackers").asLong() + " decisions waiting for peers");
            }
            System.out.println("sync:         " + (r.path("caughtUp").asBoolean() ? "caught up" : "catching up ("
                    + r.path("syncPeersDone").asInt() + " of " + r.path("syncPeersNeeded").asInt() + " peers served it whole)"));
            System.out.println("signing:      ledger " + r.path("signing").asText());
            System.out.println("rejects:      " + r.path("rejects").asText());
        });
        if (a.result() != null && !a.result().path("connected").asBoolean()) {
            return NOT_CONNECTED;
        }
        return code;
    }
}
