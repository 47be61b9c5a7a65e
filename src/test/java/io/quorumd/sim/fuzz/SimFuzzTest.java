package io.quorumd.sim.fuzz;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded simulation fuzz over checkpoints and arbitration (see {@link FuzzRun}, {@link Invariants},
 * {@link Liveness}). 500 seeds by default; {@code -Dquorumd.sim.seeds=10000} for the long run,
 * {@code -Dquorumd.sim.seed=N} to replay one seed, {@code -Dquorumd.sim.from=N} to start a run at seed N. Prints a one-line summary of checks and faults at the end.
 *
 * <p>Invariants after every step, over honest nodes: (1) no final accepted without minVoters valid votes
 * from distinct eligible voters; (2) never two finals for one (subject, asOf, round); (3) no decision without
 * M agreeing authorized votes signed by the deadline; (4) the same signed facts give the same dispute status
 * (away from the deadline by more than the skew); (5) and the same reputation table; (6) no honest key signs
 * two different votes for one slot, across incarnations (sent, lost unsent, in its ledger); (7) a message
 * delivered again in the same instant changes no state and sends nothing; (8) every ledger verifies in full
 * after each restart and at the end.
 */
class SimFuzzTest {
    private static final List<Long> MILLIS = Collections.synchronizedList(new ArrayList<>());

    @TempDir
    Path dir;

    static LongStream seeds() {
        String one = System.getProperty("quorumd.sim.seed");
        if (one != null && !one.isBlank()) {
            return LongStream.of(Long.parseLong(one.trim()));
        }
        long from = Long.getLong("quorumd.sim.from", 1); // to split a long run over several JVMs
        return LongStream.range(from, from + Long.getLong("quorumd.sim.seeds", 500));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void invariantsHoldOnEverySeed(long seed) throws Exception {
        long t0 = System.nanoTime();
        Path root = Files.createDirectory(dir.resolve("seed-" + seed));
        FuzzRun run = null;
        try {
            run = new FuzzRun(seed, root);
            run.chaos();
            Liveness.run(run);
        } catch (AssertionError | Exception e) {
            FuzzStats.inc("seeds.failed");
            throw new AssertionError("seed " + seed + " (" + (run == null ? "?" : run.s) + ") at virtual "
                    + (run == null ? 0 : run.f.world().now() - 1_800_000_000_000L) + " ms: " + e
                    + "\nreplay: mvn -B -o test -Dtest=SimFuzzTest -Dquorumd.sim.seed=" + seed, e);
        } finally {
            if (run != null) {
                for (var n : run.f.nodes()) {
                    if (n.up()) {
                        n.crash();
                    }
                }
            }
            FuzzStats.inc("seeds.run");
            MILLIS.add((System.nanoTime() - t0) / 1_000_000);
        }
    }

    @AfterAll
    static void summary() {
        List<Long> ms = new ArrayList<>(MILLIS);
        Collections.sort(ms);
        long median = ms.isEmpty() ? 0 : ms.get(ms.size() / 2);
        System.out.println("SIMFUZZ seeds=" + ms.size() + " median_ms=" + median + " max_ms="
                + (ms.isEmpty() ? 0 : ms.get(ms.size() - 1)) + " " + FuzzStats.summary());
    }
}
