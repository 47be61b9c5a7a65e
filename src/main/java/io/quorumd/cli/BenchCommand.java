package io.quorumd.cli;

import io.quorumd.bench.ArbiterBench;
import io.quorumd.bench.CheckpointBench;
import io.quorumd.bench.CryptoBench;
import io.quorumd.bench.IdleBench;
import io.quorumd.bench.LedgerBench;
import io.quorumd.bench.MqttLatencyBench;
import io.quorumd.bench.Plots;
import io.quorumd.bench.Stats;
import java.nio.file.Path;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (never run as tests).",
        subcommands = {BenchCommand.Crypto.class, BenchCommand.Mqtt.class, BenchCommand.LedgerRun.class,
                BenchOrderCommand.class, BenchCommand.Checkpoint.class, BenchCommand.Arbiter.class,
                BenchCommand.Idle.class, BenchCommand.Plot.class})
final class BenchCommand extends GroupCommand {

    @Command(name = "mqtt", mixinStandardHelpOptions = true,
            description = "Pipelined QoS 1 publish-to-delivery latency with and without TCP_NODELAY.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd bench mqtt",
                    "  quorumd bench mqtt --broker tcp://127.0.0.1:1883 --bursts 100 --rounds 5"})
    static final class Mqtt implements Callable<Integer> {
        @Mixin
        BrokerOption broker;

        @Option(names = "--bursts", defaultValue = "40", description = "Bursts per run (default: ${DEFAULT-VALUE}).")
        int bursts;

        @Option(names = "--burst-size", defaultValue = "20", description = "Messages per burst (default: ${DEFAULT-VALUE}).")
        int burstSize;

        @Option(names = "--rounds", defaultValue = "3", description = "Runs of each setting (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Override
        public Integer call() throws Exception {
            return broker.run(url -> {
                List<MqttLatencyBench.Result> results = new MqttLatencyBench(url, bursts, burstSize).compare(rounds);
                System.out.printf("%-11s %9s %12s %12s %10s%n", "TCP_NODELAY", "messages", "median_us", "p99_us", "msg/s");
                for (MqttLatencyBench.Result r : results) {
                    System.out.printf("%-11s %9d %12d %12d %10.0f%n", r.noDelay() ? "on" : "off", r.messages(),
                            r.medianMicros(), r.p99Micros(), r.messagesPerSecond());
                }
                return Main.OK;
            });
        }
    }

    @Command(name = "crypto", mixinStandardHelpOptions = true,
            description = "Raw Ed25519 signs/s and verifies/s, Jackson parses/s and SHA-256/s of a ledger-sized payload,"
                    + " one thread each: the baselines the other benchmarks are divided by.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd bench crypto",
                    "  quorumd bench crypto --bytes 1024 --rounds 3"})
    static final class Crypto implements Callable<Integer> {
        @Option(names = "--bytes", defaultValue = "300", description = "Payload size (default: ${DEFAULT-VALUE}).")
        int bytes;

        @Option(names = "--rounds", defaultValue = "5", description = "Rounds of each, median reported (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--round-ms", defaultValue = "1000", description = "Length of a round (default: ${DEFAULT-VALUE}).")
        long roundMs;

        @Override
        public Integer call() {
            print(new CryptoBench(java.time.Duration.ofMillis(roundMs), rounds).run(bytes));
            return Main.OK;
        }

        static void print(CryptoBench.Baselines b) {
            System.out.printf("baselines (one thread, %d-byte payload): sign/s=%.0f verify/s=%.0f parse/s=%.0f sha256/s=%.0f%n",
                    b.payloadBytes(), b.signsPerSecond(), b.verifiesPerSecond(), b.parsesPerSecond(), b.sha256PerSecond());
        }
    }

    @Command(name = "checkpoint", mixinStandardHelpOptions = true,
            description = "Checkpoint rounds of N nodes in this JVM on one broker: one proposer at a time (p50/p95),"
                    + " every node at once (time, deliveries per node, signature verifications and their floor), and"
                    + " the same cycle with nara's broadcast vote topology. One line per N.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd bench checkpoint --nodes 10,25",
                    "  quorumd bench checkpoint --nodes 50 --no-nara --csv checkpoint.csv"})
    static final class Checkpoint implements Callable<Integer> {
        @Option(names = "--nodes", split = ",", defaultValue = "10,25,50,100",
                description = "Node counts, comma-separated (default: ${DEFAULT-VALUE}).")
        List<Integer> nodes;

        @Mixin
        BrokerOption broker;

        @Option(names = "--singles", defaultValue = "20",
                description = "Single proposals per N, at most 3 per node (default: ${DEFAULT-VALUE}).")
        int singles;

        @Option(names = "--csv", description = "Also append one CSV row per N to this file.")
        Path csv;

        @Option(names = "--jfr", description = "Record a JFR profile of the first N's cycle (without nara's) into this file.")
        Path jfr;

        @Option(names = "--nara", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "Also run the cycle with nara's broadcast votes (default: ${DEFAULT-VALUE}).")
        boolean nara;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (nodes.stream().anyMatch(n -> n < 3 || n > 200) || singles < 1) {
                throw new ParameterException(spec.commandLine(), "--nodes takes counts from 3 to 200, --singles at least 1");
            }
            return broker.run(url -> {
                CryptoBench.Baselines base = new CryptoBench(java.time.Duration.ofMillis(500), 3).run(300);
                Crypto.print(base);
                Path work = Files.createTempDirectory("qcb-");
                CheckpointBench bench = new CheckpointBench(url, work, singles, base.verifiesPerSecond());
                if (jfr != null) {
                    bench.profileNextCycle(jfr);
                }
                if (csv != null && !Files.exists(csv)) {
                    Files.writeString(csv, "n,single_p50_ms,single_p95_ms,single_max_ms,cycle_ms,floor_ms,deliveries_per_node,"
                            + "verifications,nara_cycle_ms,nara_deliveries_per_node,nara_verifications,verify_per_s,"
                            + "single_voted_p50_ms,single_spread_p50_ms\n");
                }
                for (int n : nodes) {
                    CheckpointBench.Line l = bench.run(n, nara);
                    System.out.println(l.format());
                    if (csv != null) {
                        Files.writeString(csv, String.format(java.util.Locale.ROOT,
                                "%d,%.1f,%.1f,%.1f,%.0f,%.0f,%.1f,%d,%.0f,%.1f,%d,%.0f,%.1f,%.1f%n", l.n(),
                                l.singleP50Ms(), l.singleP95Ms(), l.singleMaxMs(), l.cycleMs(), l.floorMs(),
                                l.deliveriesPerNode(), l.verifications(), l.naraCycleMs(), l.naraDeliveriesPerNode(),
                                l.naraVerifications(), base.verifiesPerSecond(), l.votedP50Ms(), l.spreadP50Ms()),
                                java.nio.file.StandardOpenOption.APPEND);
                    }
                }
                return Main.OK;
            });
        }
    }

    @Command(name = "ledger", mixinStandardHelpOptions = true,
            description = "Ledger appends/s with fsync at batch sizes 1, 16, 256; replay and --full verify entries/s;"
                    + " each against the raw rates of the same run.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd bench ledger",
                    "  quorumd bench ledger --dir /var/lib/quorumd-bench --rounds 5"})
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
            List<LedgerBench.Result> results = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                CryptoBench.Baselines base = new CryptoBench(java.time.Duration.ofMillis(500), 3).run(300);
                Crypto.print(base);
                LedgerBench.Result res = new LedgerBench(work).run(scale, base);
                System.out.printf("%-40s %10s %10s %12s %10s%n", "run", "entries", "seconds", "entries/s", "signatures");
                for (LedgerBench.Row row : res.rows()) {
                    System.out.printf("%-40s %10d %10.3f %12.0f %10d%n", row.what(), row.entries(), row.seconds(),
                            row.perSecond(), row.signatures());
                }
                System.out.printf("ratios: append256/sign=%.2f (target >= 3) replay/parse=%.2f (target >= 0.5)"
                        + " full/floor=%.2f (target <= 1.3)%n", res.appendOverSign(), res.replayOverParse(), res.fullOverFloor());
                results.add(res);
            }
            System.out.printf("median over %d rounds: append256/sign=%.2f replay/parse=%.2f full/floor=%.2f%n", rounds,
                    Stats.median(results.stream().mapToDouble(LedgerBench.Result::appendOverSign).toArray()),
                    Stats.median(results.stream().mapToDouble(LedgerBench.Result::replayOverParse).toArray()),
                    Stats.median(results.stream().mapToDouble(LedgerBench.Result::fullOverFloor).toArray()));
            return Main.OK;
        }
    }

    @Command(name = "arbiter", mixinStandardHelpOptions = true,
            description = "Disputes from open to ruling on the arbiters plus a buyer's and a seller's node in this JVM on"
                    + " one broker, every arbiter voting as soon as it holds a dispute: open to ruled-everywhere p50/p95"
                    + " and rulings per second.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd bench arbiter",
                    "  quorumd bench arbiter --arbiters 7 --required 4 --disputes 500 \\",
                    "      --csv docs/benchmarks/arbiter.csv"})
    static final class Arbiter implements Callable<Integer> {
        @Option(names = "--arbiters", defaultValue = "5", description = "Primary arbiters (default: ${DEFAULT-VALUE}).")
        int arbiters;

        @Option(names = "--required", defaultValue = "3", description = "Agreeing votes M (default: ${DEFAULT-VALUE}).")
        int required;

        @Option(names = "--disputes", defaultValue = "1000", description = "Disputes per run (default: ${DEFAULT-VALUE}).")
        int disputes;

        @Option(names = "--inflight", defaultValue = "32",
                description = "Disputes active at once, opened by the two parties in turn (default: ${DEFAULT-VALUE}).")
        int inflight;

        @Mixin
        BrokerOption broker;

        @Option(names = "--csv", description = "Also append the run's row to this file.")
        Path csv;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (required < 2 || arbiters < required || arbiters > 64 || disputes < 1 || inflight < 1 || inflight > 256) {
                throw new ParameterException(spec.commandLine(), "--required at least 2, --arbiters from --required to 64,"
                        + " --disputes at least 1, --inflight 1 to 256");
            }
            return broker.run(url -> {
                ArbiterBench.Result r = new ArbiterBench(url, Files.createTempDirectory("qab-"))
                        .run(arbiters, required, disputes, inflight);
                System.out.println(r.format());
                if (csv != null) {
                    if (!Files.exists(csv)) {
                        Files.writeString(csv, "arbiters,required,disputes,inflight,ruling_p50_ms,ruling_p95_ms,"
                                + "ruling_max_ms,seconds,rulings_per_s\n");
                    }
                    Files.writeString(csv, String.format(java.util.Locale.ROOT, "%d,%d,%d,%d,%.1f,%.1f,%.1f,%.2f,%.1f%n",
                            r.arbiters(), r.required(), r.disputes(), r.inflight(), r.p50Ms(), r.p95Ms(), r.maxMs(),
                            r.seconds(), r.rulingsPerSecond()), java.nio.file.StandardOpenOption.APPEND);
                }
                return Main.OK;
            });
        }
    }

    @Command(name = "plot", mixinStandardHelpOptions = true,
            description = "PNG plots of the benchmark CSVs in a directory: checkpoint latency and deliveries against N"
                    + " (quorumd and nara's topology side by side), ledger rates against their raw bounds.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd bench plot",
                    "  quorumd bench plot --dir docs/benchmarks"})
    static final class Plot implements Callable<Integer> {
        @Option(names = "--dir", defaultValue = "docs/benchmarks",
                description = "Where the CSVs are and the PNGs go (default: ${DEFAULT-VALUE}).")
        Path dir;

        @Override
        public Integer call() throws Exception {
            for (Path p : Plots.write(dir)) {
                System.out.println("wrote " + p);
            }
            return Main.OK;
        }
    }

    @Command(name = "idle", mixinStandardHelpOptions = true,
            description = "quorumd run as its own process with the unit's JVM flags: start to broker connected, and"
                    + " resident memory after sitting idle. Linux only.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd bench idle",
                    "  quorumd bench idle --rounds 3 --idle 60"})
    static final class Idle implements Callable<Integer> {
        /** The flags systemd/quorumd.service starts the daemon with. */
        static final String UNIT_FLAGS = "-Xms16m -Xmx256m -XX:+UseSerialGC";

        @Mixin
        BrokerOption broker;

        @Option(names = "--rounds", defaultValue = "5", description = "Processes started, one after another (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--idle", defaultValue = "30", description = "Seconds idle before memory is read (default: ${DEFAULT-VALUE}).")
        int idleSeconds;

        @Option(names = "--jvm-flags", defaultValue = UNIT_FLAGS, description = "JVM flags (default: the unit's, ${DEFAULT-VALUE}).")
        String jvmFlags;

        @Override
        public Integer call() throws Exception {
            return broker.run(url -> {
                IdleBench bench = new IdleBench(url, Files.createTempDirectory("qib-"), List.of(jvmFlags.trim().split("\\s+")),
                        java.time.Duration.ofSeconds(idleSeconds));
                List<IdleBench.Round> all = new ArrayList<>();
                for (int r = 1; r <= rounds; r++) {
                    IdleBench.Round round = bench.round(r);
                    all.add(round);
                    System.out.println("round " + r + ": " + IdleBench.format(round));
                }
                System.out.println("median over " + rounds + ": " + IdleBench.format(new IdleBench.Round(
                        Stats.median(all.stream().mapToDouble(IdleBench.Round::connectedMs).toArray()),
                        (long) Stats.median(all.stream().mapToDouble(IdleBench.Round::rssKib).toArray()),
                        (long) Stats.median(all.stream().mapToDouble(IdleBench.Round::peakKib).toArray()))));
                return Main.OK;
            });
        }
    }
}
