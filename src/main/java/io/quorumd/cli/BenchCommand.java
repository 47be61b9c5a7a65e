package io.quorumd.cli;

import io.quorumd.bench.LedgerBench;
import io.quorumd.bench.MqttLatencyBench;
import java.nio.file.Path;
import io.quorumd.demo.EmbeddedBroker;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (never run as tests).",
        subcommands = {BenchCommand.Mqtt.class, BenchCommand.LedgerRun.class})
final class BenchCommand extends GroupCommand {

    @Command(name = "mqtt", mixinStandardHelpOptions = true,
            description = "Pipelined QoS 1 publish-to-delivery latency with and without TCP_NODELAY.")
    static final class Mqtt implements Callable<Integer> {
        @Option(names = "--broker", description = "Broker URL (default: an embedded HiveMQ CE on a free port).")
        String broker;

        @Option(names = "--bursts", defaultValue = "40", description = "Bursts per run (default: ${DEFAULT-VALUE}).")
        int bursts;

        @Option(names = "--burst-size", defaultValue = "20", description = "Messages per burst (default: ${DEFAULT-VALUE}).")
        int burstSize;

        @Option(names = "--rounds", defaultValue = "3", description = "Runs of each setting (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Override
        public Integer call() throws Exception {
            EmbeddedBroker embedded = null;
            try {
                if (broker == null) {
                    embedded = EmbeddedBroker.start(Files.createTempDirectory("quorumd-bench-hivemq-"));
                }
                String url = broker != null ? broker : embedded.url();
                List<MqttLatencyBench.Result> results = new MqttLatencyBench(url, bursts, burstSize).compare(rounds);
                System.out.println("broker: " + (broker != null ? broker : "embedded HiveMQ CE " + url));
                System.out.printf("%-11s %9s %12s %12s %10s%n", "TCP_NODELAY", "messages", "median_us", "p99_us", "msg/s");
                for (MqttLatencyBench.Result r : results) {
                    System.out.printf("%-11s %9d %12d %12d %10.0f%n", r.noDelay() ? "on" : "off", r.messages(),
                            r.medianMicros(), r.p99Micros(), r.messagesPerSecond());
                }
                return Main.OK;
            } finally {
                if (embedded != null) {
                    embedded.close();
                }
            }
        }
    }

    @Command(name = "ledger", mixinStandardHelpOptions = true,
            description = "Ledger appends/s with fsync at batch sizes 1, 16, 256; replay and --full verify entries/s.")
    static final class LedgerRun implements Callable<Integer> {
        @Option(names = "--dir", description = "Where to write (default: a temp directory; use the disk a node would use).")
        Path dir;

        @Option(names = "--rounds", defaultValue = "3", description = "Repetitions (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--scale", defaultValue = "1", description = "Multiplies entry counts (default: ${DEFAULT-VALUE}).")
        long scale;

        @Override
        public Integer call() throws Exception {
            Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("quorumd-bench-ledger-");
            System.out.printf("%-40s %10s %10s %12s%n", "run", "entries", "seconds", "entries/s");
            for (int r = 0; r < rounds; r++) {
                for (LedgerBench.Row row : new LedgerBench(work).run(scale)) {
                    System.out.printf("%-40s %10d %10.3f %12.0f%n", row.what(), row.entries(), row.seconds(), row.perSecond());
                }
            }
            return Main.OK;
        }
    }
}
