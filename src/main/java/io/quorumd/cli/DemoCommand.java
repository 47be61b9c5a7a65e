package io.quorumd.cli;

import io.quorumd.config.Durations;
import io.quorumd.demo.Demo;
import io.quorumd.demo.DemoReport;
import io.quorumd.demo.StageConsole;
import io.quorumd.demo.StageFormat;
import io.quorumd.logging.LogSetup;
import java.io.Console;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run an embedded HiveMQ CE broker and N nodes in this JVM with short timings: every node checkpoints,",
                "three disputes are ruled (one through the fallback arbiter, one while a node is away), a member is",
                "admitted through ordering, tickets are paid and settled, then every ledger is verified in full.",
                "Ends when all that is done, at --duration, or on Ctrl-C; prints a summary.",
                "Shows each stage as it happens; the nodes' logs go to demo.log in the data directory."},
        footerHeading = "%nExamples:%n",
        footer = {"  quorumd demo",
                "  quorumd demo --nodes 5 --duration 60s --data-dir /tmp/quorumd-demo",
                "  quorumd demo --verbose --progress plain"})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--nodes", defaultValue = "7", description = "Number of nodes (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--duration", defaultValue = "90s", description = "The longest it runs (default: ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--data-dir", description = "Where keys, configs and data go (default: a new temp directory).")
    Path dataDir;

    @Option(names = "--verbose", description = "Print the nodes' log lines on stderr too (they always go to demo.log).")
    boolean verbose;

    @Option(names = "--progress", defaultValue = "auto", description = "How stages are shown: tty (a status line updated in"
            + " place), plain (one line per finished stage, no escape codes) or auto: tty when stdin and stdout are a"
            + " terminal and TERM is not dumb, and --verbose is off (default: ${DEFAULT-VALUE}).")
    String progress;

    /** The log file inside the data directory. */
    static final String LOG_FILE = "demo.log";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Duration d;
        try {
            d = Durations.parse(duration);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--duration: " + e.getMessage());
        }
        if (nodes < 2) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--nodes must be at least 2");
        }
        StageConsole.Mode mode = switch (progress) {
            case "tty" -> StageConsole.Mode.TTY;
            case "plain" -> StageConsole.Mode.PLAIN;
            case "auto" -> autoMode();
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--progress: '" + progress + "' is not one of auto, tty, plain");
        };
        Path dir = dataDir != null ? Files.createDirectories(dataDir) : Files.createTempDirectory("quorumd-demo-");
        Path log = dir.resolve(LOG_FILE);
        LogSetup.toFile(log, verbose);
        System.out.println("quorumd demo: " + nodes + " nodes; keys, configs and ledgers in " + dir);
        System.out.println("node logs: " + log + (verbose ? " (and on stderr)" : " (--verbose prints them here too)"));
        System.out.println();
        StageConsole stages = new StageConsole(System.out, mode, glyphs(mode), columns(), System::nanoTime);
        Demo demo = new Demo(nodes, d, dir, stages);
        // Ctrl-C or SIGTERM: the demo stops its nodes, verifies the ledgers and prints the summary; the JVM
        // waits for that (15 s at most) before it exits.
        CountDownLatch printed = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            demo.interrupt();
            try {
                printed.await(15, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "quorumd-demo-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        DemoReport s;
        try {
            s = demo.run();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook is running
            }
        }
        print(s);
        printed.countDown();
        return s.complete() ? Main.OK : Main.FAILURE;
    }

    /**
     * A status line repainted in place needs a terminal on stdout that understands ANSI erase, and a screen nothing
     * else writes to: {@link System#console()} is non-null only when stdin and stdout are both a terminal, TERM=dumb
     * terminals (editors' shells) have no erase, and --verbose scrolls log lines through the same screen.
     */
    private StageConsole.Mode autoMode() {
        return System.console() != null && !"dumb".equals(System.getenv("TERM")) && !verbose
                ? StageConsole.Mode.TTY : StageConsole.Mode.PLAIN;
    }

    private static StageFormat.Glyphs glyphs(StageConsole.Mode mode) {
        Console console = System.console();
        Charset charset = mode == StageConsole.Mode.TTY && console != null ? console.charset() : Charset.defaultCharset();
        return StageFormat.Glyphs.forCharset(charset);
    }

    /** The terminal's width if the shell exported it, else the classic 80. */
    private static int columns() {
        try {
            return Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "80").trim());
        } catch (NumberFormatException e) {
            return 80;
        }
    }

    private void print(DemoReport s) {
        System.out.println();
        System.out.println("quorumd demo: " + s.nodes().size() + " nodes on embedded HiveMQ CE at " + s.brokerUrl()
                + ", " + s.ran().toSeconds() + " s");
        System.out.println();
        System.out.println("checkpoints (as node-1 holds them)");
        System.out.printf("  %-8s %-16s %5s %9s %8s %5s %8s%n", "subject", "checkpoint", "round", "uptime_s", "restarts",
                "sigs", "held by");
        for (DemoReport.CheckpointRow c : s.checkpoints()) {
            System.out.printf("  %-8s %-16s %5d %9d %8d %5d %5d/%d%n", c.subject(),
                    c.checkpointId().length() > 16 ? c.checkpointId().substring(0, 16) : c.checkpointId(), c.round(),
                    c.totalUptime(), c.restarts(), c.signatures(), c.nodesHolding(), s.nodes().size());
        }
        System.out.println();
        System.out.println("disputes");
        System.out.printf("  %-16s %-10s %-9s %-7s %5s %-8s %s%n", "dispute", "subject", "status", "ruling", "votes",
                "fallback", "same on");
        for (DemoReport.DisputeRow d : s.disputes()) {
            System.out.printf("  %-16s %-10s %-9s %-7s %5d %-8s %d/%d nodes%n", d.id().substring(0, 16), d.subject(),
                    d.status(), d.decision(), d.votes(), d.fallback() ? "yes" : "no", d.nodesAgreeing(), s.nodes().size());
        }
        if (!s.more().isEmpty()) {
            System.out.println();
            System.out.println("ordered updates, deliveries and payments");
            s.more().forEach(m -> System.out.println("  " + m));
        }
        System.out.println();
        System.out.printf("  %-8s %-9s %6s %7s %7s %8s %9s  %s%n", "node", "id", "peers", "msg in", "msg out", "entries",
                "bytes", "rejects");
        for (DemoReport.NodeRow n : s.nodes()) {
            System.out.printf("  %-8s %-9s %3d/%-2d %7d %7d %8d %9d  %s%n", n.name(), n.id(), n.peersOnline(),
                    s.nodes().size() - 1, n.messagesIn(), n.messagesOut(), n.ledgerEntries(), n.ledgerBytes(), n.rejects());
        }
        System.out.println();
        System.out.println("ledgers: " + s.ledgersVerified() + " of " + s.nodes().size() + " verify in full ("
                + s.entriesVerified() + " entries, every signature checked)");
        s.ledgerProblems().forEach(p -> System.out.println("  PROBLEM " + p));
        s.missing().forEach(m -> System.out.println("  NOT DONE: " + m));
        System.out.println(s.complete() ? "demo complete" : "demo INCOMPLETE");
        System.out.println("keys, configs and ledgers: " + s.dataDir() + "  (try: quorumd ledger show "
                + s.dataDir().resolve("node-1").resolve("data") + " --kind ruling)");
        System.out.println("node logs: " + s.dataDir().resolve(LOG_FILE));
    }
}
