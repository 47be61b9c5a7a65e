package io.quorumd.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code quorumd} command. Exit codes: 0 ok, 1 runtime failure, 2 usage or config error. */
@Command(name = "quorumd", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Peer daemon for a federation reaching signed quorum decisions over MQTT.",
        subcommands = {RunCommand.class, KeygenCommand.class, KeyCommand.class, FederationCommand.class, ConfigCommand.class,
                DemoCommand.class, StatusCommand.class, CheckpointCommand.class, DisputeCommand.class, ArbiterCommand.class, ResponderCommand.class, SyncCommand.class, PmCommand.class, LedgerCommand.class, BenchCommand.class, CommandLine.HelpCommand.class,
                picocli.AutoComplete.GenerateCompletion.class})
public final class Main implements Runnable {
    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        return new CommandLine(new Main())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("quorumd: " + io.quorumd.node.StartupException.describe(e)); // what, why, the fix
                    return FAILURE;
                });
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
