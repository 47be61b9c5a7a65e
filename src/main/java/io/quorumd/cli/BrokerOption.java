package io.quorumd.cli;

import io.quorumd.demo.EmbeddedBroker;
import java.nio.file.Files;
import picocli.CommandLine.Option;

/** A benchmark's broker: {@code --broker URL}, or an embedded HiveMQ CE on a free port for the run. */
final class BrokerOption {
    @Option(names = "--broker", description = "Broker URL (default: an embedded HiveMQ CE on a free port).")
    String url;

    /** What a benchmark does with the broker: {@code url} to connect to. */
    @FunctionalInterface
    interface Run {
        int with(String url) throws Exception;
    }

    /** Runs {@code run} against the broker, printing which one; an embedded broker is stopped afterwards. */
    int run(Run run) throws Exception {
        if (url != null) {
            System.out.println("broker: " + url);
            return run.with(url);
        }
        try (EmbeddedBroker embedded = EmbeddedBroker.start(Files.createTempDirectory("quorumd-bench-hivemq-"))) {
            System.out.println("broker: embedded HiveMQ CE " + embedded.url());
            return run.with(embedded.url());
        }
    }
}
