package io.quorumd.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code quorumd} command. Exit codes: 0 ok, 1 runtime failure (a daemon not running included), 2 usage or
 * config error, 4 the daemon's control socket is closed to this user; {@code status} adds 3 (docs/cli.md).
 */
@Command(name = "quorumd", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Peer daemon for a federation reaching signed quorum decisions over MQTT.",
        subcommands = {RunCommand.class, KeygenCommand.class, KeyCommand.class, FederationCommand.class, ConfigCommand.class,
                DemoCommand.class, StatusCommand.class, CheckpointCommand.class, DisputeCommand.class, ArbiterCommand.class, ResponderCommand.class, SyncCommand.class, PmCommand.class, LedgerCommand.class, BenchCommand.class, CommandLine.HelpCommand.class,
                picocli.AutoComplete.GenerateCompletion.class})
public final class Main implements Runnable {
    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;
    /** A client command may not use the daemon's control socket (or a directory on the way to it). */
    public static final int NO_ACCESS = 4;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("quorumd: " + io.quorumd.node.StartupException.describe(e)); // what, why, the fix
                    return FAILURE;
                });
        // picocli's own subcommands get their examples here, like every other command in its annotation
        examples(cl.getSubcommands().get("help"), "  quorumd help status", "  quorumd help pm pay");
        examples(cl.getSubcommands().get("generate-completion"), "  quorumd generate-completion");
        return cl;
    }

    private static void examples(CommandLine command, String... lines) {
        command.getCommandSpec().usageMessage().footerHeading("%nExamples:%n").footer(lines);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
