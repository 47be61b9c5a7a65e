package io.quorumd.cli;

import io.quorumd.config.Durations;
import io.quorumd.demo.Demo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run an embedded HiveMQ CE broker and N nodes in this JVM with short timings, then print a summary.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--nodes", defaultValue = "7", description = "Number of nodes (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--duration", defaultValue = "90s", description = "How long to run (default: ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--data-dir", description = "Where keys, configs and data go (default: a new temp directory).")
    Path dataDir;

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
        Path dir = dataDir != null ? dataDir : Files.createTempDirectory("quorumd-demo-");
        Demo demo = new Demo(nodes, d, dir);
        Thread main = Thread.currentThread();
        Thread hook = new Thread(() -> {
            demo.interrupt();
            try {
                main.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "quorumd-demo-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        Demo.Summary s;
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
        boolean allOnline = s.nodes().stream().allMatch(n -> n.peersOnline() == nodes - 1);
        return allOnline ? Main.OK : Main.FAILURE;
    }

    private void print(Demo.Summary s) {
        System.out.println();
        System.out.println("quorumd demo: " + s.nodes().size() + " nodes on embedded HiveMQ CE at " + s.brokerUrl()
                + ", ran " + s.ran().toSeconds() + "s");
        System.out.println(s.allOnlineAfter().isNegative() ? "not every node saw every peer online"
                : "every node saw every peer online after " + s.allOnlineAfter().toMillis() + " ms");
        System.out.printf("%-8s %-10s %12s %8s %8s  %s%n", "node", "id", "peers online", "in", "out", "rejects");
        for (Demo.NodeSummary n : s.nodes()) {
            System.out.printf("%-8s %-10s %12s %8d %8d  %s%n", n.name(), n.id(), n.peersOnline() + "/" + (nodes - 1),
                    n.messagesIn(), n.messagesOut(), n.rejects());
        }
        System.out.println("keys, configs and data: " + s.dataDir());
    }
}
