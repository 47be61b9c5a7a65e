package io.quorumd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.quorumd.config.FederationInit;
import io.quorumd.ledger.EntryVisitor;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.ledger.ScanResult;
import io.quorumd.node.QuorumNode;
import io.quorumd.wire.Decision;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two primary arbiters run as packaged daemons and are SIGKILLed at random moments (seeded) while
 * disputes are opened, voted on over their control sockets and ruled, and restarted each time. Every restart
 * recovers; no arbiter ever signs two different votes for one dispute (in any ledger, in any ruling, on the
 * broker); every signed message that left a process is in its signer's ledger; and every dispute is ruled on
 * every node. {@code -Dquorumd.kills=200} runs the long version; {@code -Dquorumd.kills.seed=S} replays a seed's
 * kill schedule.
 */
class DisputeKillIT {
    static String brokerUrl;

    @RegisterExtension
    static final BeforeEachCallback BROKER = (ExtensionContext ctx) -> brokerUrl = TestBroker.url(ctx);

    @TempDir
    Path dir;

    /** Opens disputes on node-3 one after the other, has both arbiters vote, and waits for the ruling everywhere. */
    private static final class Driver implements Runnable {
        final QuorumNode buyer;
        final List<Daemon> arbiters;
        final SignedFacts facts;
        final Map<String, String> ids;
        final Random rnd;
        final Map<String, Decision> disputes = new LinkedHashMap<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        volatile boolean stop;
        int acknowledged;
        int earlier;

        Driver(QuorumNode buyer, List<Daemon> arbiters, SignedFacts facts, Map<String, String> ids, long seed) {
            this.buyer = buyer;
            this.arbiters = arbiters;
            this.facts = facts;
            this.ids = ids;
            this.rnd = new Random(seed ^ 0x5eedL);
        }

        @Override
        public void run() {
            try {
                while (!stop) {
                    String id = Arbitration.open(buyer, "pay-" + disputes.size(), "node-1");
                    Decision d = rnd.nextBoolean() ? Decision.BUYER : Decision.SELLER;
                    disputes.put(id, d);
                    List<Daemon> order = new ArrayList<>(arbiters);
                    if (rnd.nextBoolean()) {
                        Collections.reverse(order);
                    }
                    for (Daemon a : order) {
                        if (Arbitration.vote(a, id, d, Duration.ofSeconds(120)) == Arbitration.Voted.OK) {
                            facts.voteAcknowledged(ids.get(a.name()), id);
                            acknowledged++;
                        } else {
                            earlier++;
                        }
                    }
                    Arbitration.awaitRuled(Duration.ofSeconds(120), id, d, buyer, arbiters);
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }
    }

    @Test
    void arbitersKilledAtRandomMomentsNeverVoteTwiceNorLoseWhatTheyAcknowledged() throws Exception {
        assumeTrue(TestBroker.describe().equals("embedded"), "brings its own processes: run in the embedded leg only");
        int kills = Integer.getInteger("quorumd.kills", 10);
        long seed = Long.getLong("quorumd.kills.seed", System.nanoTime());
        System.out.println("DisputeKillIT seed=" + seed + " kills=" + kills);
        long wall = System.nanoTime();
        Random rnd = new Random(seed);
        String prefix = "quorumd-it/kill-" + Long.toHexString(seed);
        var files = FederationInit.write(dir, new FederationInit.Options(3, brokerUrl, prefix, true)
                .withFastTimings(Duration.ofSeconds(20), Duration.ofHours(2)), new SecureRandom());
        Map<String, String> ids = new LinkedHashMap<>();
        files.forEach(f -> ids.put(f.name(), f.nodeId()));
        Path logs = Files.createDirectories(dir.resolve("logs"));
        SignedFacts facts = new SignedFacts();
        List<Daemon> arbiters = List.of(new Daemon(files.get(0).config(), logs), new Daemon(files.get(1).config(), logs));
        List<Long> recoveryMs = new ArrayList<>();
        int torn = 0;
        int restarts = 0;
        int duringRecovery = 0;
        Driver driver;
        try (WireRecorder wire = new WireRecorder(brokerUrl, prefix)) {
            QuorumNode buyer = LabNodes.startOne(files.get(2).config());
            try {
                for (Daemon a : arbiters) {
                    a.start();
                }
                for (Daemon a : arbiters) {
                    a.awaitCaughtUp(Duration.ofSeconds(90), 2);
                }
                driver = new Driver(buyer, arbiters, facts, ids, seed);
                Thread t = new Thread(driver, "dispute-driver");
                t.setDaemon(true);
                t.start();
                Daemon recovering = null; // restarted and killed again before it caught up, at random
                for (int k = 0; k < kills && driver.failure.get() == null; k++) {
                    Daemon victim = recovering != null ? recovering : arbiters.get(rnd.nextInt(2));
                    victim.pause(recovering != null ? rnd.nextInt(3000) : rnd.nextInt(2500));
                    assertTrue(victim.alive(), "seed " + seed + " kill " + k + ": " + victim.name()
                            + " exited by itself:\n" + victim.logText());
                    victim.kill();
                    duringRecovery += recovering != null ? 1 : 0;
                    ScanResult r = LedgerScanner.scan(Ledger.directory(victim.dataDir()), EntryVisitor.NONE);
                    assertFalse(r.corruption().isPresent(), "seed " + seed + " kill " + k + ": " + r.corruption());
                    torn += r.torn().isPresent() ? 1 : 0;
                    long t0 = victim.start();
                    restarts++;
                    recovering = k < kills - 1 && rnd.nextInt(4) == 0 ? victim : null;
                    if (recovering == null) {
                        victim.awaitCaughtUp(Duration.ofSeconds(90), 2);
                        recoveryMs.add((System.nanoTime() - t0) / 1_000_000);
                    }
                }
                driver.stop = true;
                t.join(Duration.ofSeconds(300).toMillis());
                assertFalse(t.isAlive(), "seed " + seed + ": the dispute driver did not finish");
                if (driver.failure.get() != null) {
                    throw new AssertionError("seed " + seed + ": " + driver.failure.get().getMessage(), driver.failure.get());
                }
                for (var e : driver.disputes.entrySet()) {
                    Arbitration.awaitRuled(Duration.ofSeconds(30), e.getKey(), e.getValue(), buyer, arbiters);
                }
                for (Daemon a : arbiters) {
                    assertEquals(0, a.stop(), a.name() + " stops cleanly on SIGTERM:\n" + a.logText());
                }
            } finally {
                for (Daemon a : arbiters) {
                    a.close();
                }
                buyer.stop(Duration.ofSeconds(3));
            }
            facts.addWire(wire.envelopes());
        }
        for (var f : files) {
            ScanResult r = facts.addLedger(f.name(), f.nodeId(), f.config().getParent().resolve("data"));
            assertTrue(r.intact(), "seed " + seed + ": " + f.name() + "'s ledger after an orderly stop: " + r);
        }
        var doubles = facts.doubleVotes();
        var lost = facts.lost();
        recoveryMs.sort(null);
        long median = recoveryMs.isEmpty() ? -1 : recoveryMs.get(recoveryMs.size() / 2);
        System.out.println("DisputeKillIT seed=" + seed + " kills=" + restarts + " (" + duringRecovery
                + " before the victim had caught up) restarts=" + restarts + " tornTailsTruncated=" + torn
                + " disputes=" + driver.disputes.size() + " votesAcknowledged="
                + driver.acknowledged + " votesFoundEarlier=" + driver.earlier + " votesSeen=" + facts.votesSeen()
                + " ledgeredMessagesSeen=" + facts.ledgeredSeen() + " doubleVotes=" + doubles.size() + " lost="
                + lost.size() + " medianRestartToCaughtUpMs=" + median + " maxMs="
                + (recoveryMs.isEmpty() ? -1 : recoveryMs.get(recoveryMs.size() - 1)) + " wallS="
                + (System.nanoTime() - wall) / 1_000_000_000);
        assertEquals(kills, restarts, "seed " + seed);
        assertTrue(driver.disputes.size() >= 2, "seed " + seed + ": only " + driver.disputes.size() + " disputes ran");
        assertEquals(Map.of(), doubles, "seed " + seed + ": arbiters signed two different votes for one dispute");
        assertEquals(List.of(), lost, "seed " + seed + ": signed messages seen outside their signer but not in its ledger");
    }
}
