package io.quorumd.cli;

import io.quorumd.bench.OrderBench;
import io.quorumd.bench.Stats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "order", mixinStandardHelpOptions = true,
        description = "PBFT ordering of noop requests through a broker: committed requests/s and request-to-commit"
                + " latency at each replica count, all replicas in this JVM.",
        footerHeading = "%nExamples:%n",
        footer = {"  quorumd bench order",
                "  quorumd bench order --replicas 4,7 --requests 5000 --outstanding 256"})
final class BenchOrderCommand implements Callable<Integer> {
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
