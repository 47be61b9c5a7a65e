package io.quorumd.cli;

import io.quorumd.bench.ArbiterBench;
import io.quorumd.bench.CheckpointBench;
import io.quorumd.bench.CryptoBench;
import io.quorumd.bench.IdleBench;
import io.quorumd.bench.LedgerBench;
import io.quorumd.bench.MqttLatencyBench;
import io.quorumd.bench.OrderBench;
import io.quorumd.bench.Plots;
import io.quorumd.bench.Stats;
import java.nio.file.Path;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (never run as tests).",
        subcommands = {BenchCommand.Crypto.class, BenchCommand.Mqtt.class, BenchCommand.LedgerRun.class,
                BenchCommand.Order.class, BenchCommand.Checkpoint.class, BenchCommand.Arbiter.class,
                BenchCommand.Idle.class, BenchCommand.Plot.class})
final class BenchCommand extends GroupCommand {

    @Command(name = "mqtt", mixinStandardHelpOptions = true,
            description = "Pipelined QoS 1 publish-to-delivery latency with and without TCP_NODELAY.")
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
                    + " one thread each: the baselines the other benchmarks are divided by.")
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
                    + " the same cycle with nara's broadcast vote topology. One line per N.")
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
                    + " each against the raw rates of the same run.")
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

    @Command(name = "order", mixinStandardHelpOptions = true,
            description = "PBFT ordering of noop requests through a broker: committed requests/s and request-to-commit"
                    + " latency at each replica count, all replicas in this JVM.")
    static final class Order implements Callable<Integer> {
        /** Every replica's subscription also carries the protocol traffic; HiveMQ queues 1,000 messages per client. */
        static final int MAX_OUTSTANDING = 512;

        @Option(names = "--replicas", split = ",", defaultValue = "4,7,10",
                description = "Replica counts, comma-separated (default: ${DEFAULT-VALUE}).")
        List<Integer> replicas;

        @Mixin
        BrokerOption broker;

        @Option(names = "--requests", defaultValue = "3000", description = "Requests per run (default: ${DEFAULT-VALUE}).")
        int requests;

        @Option(names = "--rounds", defaultValue = "3", description = "Runs of each replica count (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--outstanding", defaultValue = "128",
                description = "Requests in flight, from one client member per " + OrderBench.CLIENT_WINDOW
                        + " (default: ${DEFAULT-VALUE}).")
        int outstanding;

        @Option(names = "--warmup", defaultValue = "1000",
                description = "Requests of one unreported run at the first replica count, 0 for none (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (replicas.stream().anyMatch(n -> n < 4 || n > 64) || rounds < 1 || requests < 1 || outstanding < 1
                    || outstanding > MAX_OUTSTANDING) {
                throw new ParameterException(spec.commandLine(), "--replicas takes counts from 4 to 64, --outstanding 1 to "
                        + MAX_OUTSTANDING + "; --rounds and --requests at least 1");
            }
            return broker.run(url -> {
                OrderBench bench = new OrderBench(url, requests, outstanding, java.time.Clock.systemUTC());
                System.out.printf("%d requests per run, %d outstanding from %d client members; committed = executed at q"
                        + " replicas; maxBatch %d, batchDelay %d ms, window %d; cores and cpu_ms (per request): this JVM's"
                        + " CPU time over the run, %d processors; all_ms: from the last commit until every replica executed"
                        + " every request%n", requests, outstanding, bench.clients(),
                        bench.params().maxBatch(), bench.params().batchDelay().toMillis(), bench.params().window(),
                        Runtime.getRuntime().availableProcessors());
                if (warmup > 0) {
                    OrderBench.Run w = new OrderBench(url, warmup, outstanding, java.time.Clock.systemUTC()).run(replicas.get(0));
                    System.out.printf("warm-up: n=%d, %d requests in %.2f s%n", w.n(), w.requests(), w.seconds());
                }
                System.out.printf("%-6s %3s %3s %9s %6s %9s %10s %9s %9s %6s %8s %7s %4s  %s%n", "round", "n", "q", "requests",
                        "seqs", "seconds", "req/s", "p50_ms", "p95_ms", "cores", "cpu_ms", "all_ms", "vc", "refusals");
                Map<Integer, List<OrderBench.Run>> byN = new TreeMap<>();
                for (int r = 1; r <= rounds; r++) {
                    for (int n : replicas) {
                        OrderBench.Run run = bench.run(n);
                        byN.computeIfAbsent(n, k -> new ArrayList<>()).add(run);
                        System.out.printf("%-6d %3d %3d %9d %6d %9.2f %10.0f %9.1f %9.1f %6.2f %8.2f %7s %4d  %s%n", r, n,
                                run.q(), run.requests(), run.seqs(), run.seconds(), run.perSecond(), run.p50Ms(), run.p95Ms(),
                                run.cpuCores(), run.cpuMsPerRequest(), run.caughtUpMs() < 0 ? "never" : run.caughtUpMs(),
                                run.viewChanges(), refusals(run.refusals()));
                    }
                }
                System.out.println("median over " + rounds + " rounds (each column separately):");
                System.out.printf("%3s %3s %9s %9s %10s %9s %9s %6s %8s%n", "n", "q", "requests", "seconds", "req/s",
                        "p50_ms", "p95_ms", "cores", "cpu_ms");
                byN.forEach((n, runs) -> System.out.printf("%3d %3d %9d %9.2f %10.0f %9.1f %9.1f %6.2f %8.2f%n", n,
                        runs.get(0).q(), requests, median(runs, OrderBench.Run::seconds),
                        median(runs, OrderBench.Run::perSecond), median(runs, OrderBench.Run::p50Ms),
                        median(runs, OrderBench.Run::p95Ms), median(runs, OrderBench.Run::cpuCores),
                        median(runs, OrderBench.Run::cpuMsPerRequest)));
                return Main.OK;
            });
        }

        private static String refusals(Map<String, Long> refusals) {
            return refusals.isEmpty() ? "-" : refusals.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining(" "));
        }

        private static double median(List<OrderBench.Run> runs, ToDoubleFunction<OrderBench.Run> f) {
            return Stats.median(runs.stream().mapToDouble(f).toArray());
        }
    }

    @Command(name = "arbiter", mixinStandardHelpOptions = true,
            description = "Disputes from open to ruling on the arbiters plus a buyer's and a seller's node in this JVM on"
                    + " one broker, every arbiter voting as soon as it holds a dispute: open to ruled-everywhere p50/p95"
                    + " and rulings per second.")
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
                    + " (quorumd and nara's topology side by side), ledger rates against their raw bounds.")
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
                    + " resident memory after sitting idle. Linux only.")
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
