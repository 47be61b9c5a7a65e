package io.quorumd.sim.fuzz;

import io.quorumd.arbiter.Dispute;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.ledger.ScanResult;
import io.quorumd.sim.SimBus;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.Decision;
import io.quorumd.wire.Envelope;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * One seed of {@link SimFuzzTest}: the federation {@link FuzzScenario} draws, a chaos phase of
 * {@link #CHAOS} virtual time in random steps (time passing, disputes opened and voted on, crashes of three
 * kinds, restarts, partitions, broker outages, byzantine moves, replays), the safety invariants after every step, then the
 * liveness phase of {@link Liveness}. Throws {@link AssertionError} naming the violation.
 */
final class FuzzRun {
    static final Duration CHAOS = Duration.ofSeconds(20);

    final FuzzScenario s;
    final SimFederation f;
    final Random r;
    final Invariants inv;
    final Hostile hostile;
    final List<Envelope> captured = new ArrayList<>();
    private final int[] capturedFrom;
    private final Map<SimNode, Long> restartAt = new HashMap<>();
    private final Map<SimNode, String> armed = new HashMap<>();
    private long healAt = Long.MAX_VALUE;
    int disputes;

    FuzzRun(long seed, Path dir) throws Exception {
        this.s = FuzzScenario.draw(seed);
        SimWorld world = new SimWorld(seed, 1_800_000_000_000L);
        this.f = new SimFederation(world, new SimBus(world, s.loss(), s.duplicate(), s.maxDelayMs()), dir, s.options());
        this.r = new Random(seed ^ 0x5DEECE66DL);
        for (int i = 1; i <= s.nodes(); i++) {
            f.node(i).setClockOffset(s.clockOffsets()[i - 1]);
        }
        f.startAll();
        this.inv = new Invariants(s, f);
        this.hostile = new Hostile(f, s, r, captured);
        this.capturedFrom = new int[s.nodes() + 1];
    }

    void fail(String what) {
        throw new AssertionError(what);
    }

    /** Runs a step's worth of virtual time or one injected action, then checks invariants 1–7. */
    void chaos() throws Exception {
        long end = f.world().now() + CHAOS.toMillis();
        while (f.world().now() < end) {
            int a = r.nextInt(20);
            if (a < 8) {
                f.world().run(Duration.ofMillis(200 + r.nextInt(1300)));
                FuzzStats.inc("steps.time");
            } else if (a < 10) {
                openDispute();
            } else if (a < 12) {
                voteSome(false);
            } else if (a == 12) {
                crash();
            } else if (a == 13) {
                partition();
            } else if (a < 17) {
                for (int b : s.byzantine()) {
                    hostile.move(f.node(b));
                }
            } else {
                replayCheck();
            }
            restarts(false);
            if (f.world().now() >= healAt) {
                f.bus().partition((x, e) -> false);
                healAt = Long.MAX_VALUE;
                FuzzStats.inc("faults.partition_healed");
            }
            after();
        }
    }

    /** The checks after a step: invariants 1–6, and capturing what was sent for later replays. */
    void after() {
        Optional<String> bad = inv.check();
        if (bad.isPresent()) {
            fail(bad.get());
        }
        for (int i = 1; i <= s.nodes(); i++) {
            List<Envelope> pub = f.node(i).published();
            for (; capturedFrom[i] < pub.size(); capturedFrom[i]++) {
                Envelope e = pub.get(capturedFrom[i]);
                if (hostile.topicOf(e).isPresent()) {
                    captured.add(e);
                }
            }
        }
        if (captured.size() > 400) {
            captured.subList(0, captured.size() - 400).clear();
        }
    }

    void openDispute() {
        List<SimNode> honest = inv.honestUp();
        if (honest.size() < 2) {
            return;
        }
        SimNode buyer = honest.get(r.nextInt(honest.size()));
        SimNode seller = f.node(1 + r.nextInt(s.nodes()));
        if (seller == buyer) {
            return;
        }
        String subject = "s" + disputes++;
        try {
            buyer.control(c -> c.arbiter().orElseThrow().desk().open(subject, buyer.name(), seller.name(), 1, "x", List.of()));
            FuzzStats.inc("disputes.opened");
        } catch (IllegalArgumentException | IllegalStateException refused) {
            FuzzStats.inc("disputes.open_refused");
        }
    }

    /** Each honest arbiter (or, with {@code all}, one in five chance each otherwise) votes on what it holds. */
    void voteSome(boolean all) {
        for (SimNode n : inv.honestUp()) {
            int i = f.nodes().indexOf(n) + 1;
            if (i > s.primaries() + s.fallbacks() || (!all && r.nextInt(3) != 0)) {
                continue;
            }
            for (Dispute d : new ArrayList<>(n.core().arbiter().orElseThrow().disputes())) {
                if (!d.status().active() || d.votes().containsKey(n.id())) {
                    continue;
                }
                Decision intended = (d.id().hashCode() & 1) == 0 ? Decision.BUYER : Decision.SELLER;
                Decision dec = all || r.nextInt(5) != 0 ? intended : other(intended);
                try {
                    n.control(c -> {
                        c.arbiter().orElseThrow().desk().vote(d.id(), dec, "r");
                        return null;
                    });
                    FuzzStats.inc("disputes.votes");
                } catch (IllegalArgumentException | IllegalStateException refused) {
                    FuzzStats.inc("disputes.vote_refused");
                }
            }
        }
    }

    static Decision other(Decision d) {
        return d == Decision.BUYER ? Decision.SELLER : Decision.BUYER;
    }

    private void crash() throws Exception {
        SimNode n = f.node(1 + r.nextInt(s.nodes()));
        if (!n.up() || armed.containsKey(n) || f.nodes().stream().filter(x -> !x.up()).count() >= 2) {
            return;
        }
        switch (r.nextInt(3)) {
            case 0 -> {
                armed.put(n, "faults.crash");
                n.crash();
            }
            case 1 -> {
                FuzzStats.inc("faults.crash_before_fsync_armed");
                armed.put(n, "faults.crash_before_fsync");
                n.sameBatch(x -> {
                    if (x.core().ledger().hasPending()) {
                        x.sameBatch(y -> { });
                        try {
                            x.crash();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                });
            }
            default -> {
                FuzzStats.inc("faults.crash_after_fsync_armed");
                armed.put(n, "faults.crash_after_fsync");
                n.crashAfterSync(true);
            }
        }
    }

    /** Forgets crashes armed but not come: the liveness phase disarms them. */
    void disarmAll() {
        armed.keySet().removeIf(SimNode::up);
    }

    /** Restarts each node that has been down long enough (or, with {@code now}, every down node). */
    void restarts(boolean now) throws Exception {
        for (SimNode n : f.nodes()) {
            if (n.up()) {
                continue;
            }
            String why = armed.remove(n);
            if (why != null) {
                FuzzStats.inc(why);
            }
            long at = restartAt.computeIfAbsent(n, x -> f.world().now() + 1000 + r.nextInt(6000));
            if (now || f.world().now() >= at) {
                restartAt.remove(n);
                n.sameBatch(y -> { });
                n.crashAfterSync(false);
                n.start();
                FuzzStats.inc("faults.restart");
                verifyLedger(n);
            }
        }
    }

    private void partition() {
        if (healAt != Long.MAX_VALUE) {
            return;
        }
        if (r.nextInt(4) == 0) { // the broker is down: nothing reaches anyone, not even its sender, for 5-15 s
            for (SimNode n : f.nodes()) { // a broker that is stopped may hand out some wills as it closes clients
                if (n.up() && r.nextInt(3) == 0) {
                    f.bus().publish(n.core().presence().topic(), n.core().presence().lastWill(), true);
                }
            }
            f.bus().partition((rcv, e) -> true);
            healAt = f.world().now() + 5000 + r.nextInt(10000);
            FuzzStats.inc("faults.broker_outage");
            return;
        }
        Map<String, Integer> side = new HashMap<>();
        boolean[] used = new boolean[2];
        for (SimNode n : f.nodes()) {
            int g = r.nextInt(2);
            used[g] = true;
            side.put(n.id().hex(), g);
        }
        if (!used[0] || !used[1]) {
            return;
        }
        f.bus().partition((rcv, e) -> rcv instanceof SimNode to && side.containsKey(e.from().hex())
                && !side.get(e.from().hex()).equals(side.get(to.id().hex())));
        healAt = f.world().now() + 2000 + r.nextInt(8000);
        FuzzStats.inc("faults.partition");
    }

    /** Invariant 7: a message delivered twice in one instant changes nothing and sends nothing the second time. */
    private void replayCheck() {
        List<SimNode> honest = inv.honestUp();
        if (honest.isEmpty() || captured.isEmpty()) {
            return;
        }
        SimNode t = honest.get(r.nextInt(honest.size()));
        Envelope e = captured.get(Math.max(0, captured.size() - 1 - r.nextInt(Math.min(captured.size(), 60))));
        String topic = hostile.topicOf(e).orElseThrow();
        t.receiveRaw(topic, e.encode());
        if (!t.up()) {
            return; // an armed crash took it down on the first delivery
        }
        String before = Digest.of(t);
        int sent = t.published().size();
        t.receiveRaw(topic, e.encode());
        FuzzStats.inc("inv7.replays");
        if (!before.equals(Digest.of(t)) || sent != t.published().size()) {
            fail("inv7 " + t + ": replayed " + e.type().wireName() + " " + e.contentId() + " changed its state ("
                    + before + " -> " + Digest.of(t) + ") or made it send (" + sent + " -> " + t.published().size() + ")");
        }
    }

    /** Invariant 8: the production full verifier accepts the ledger; its signed votes also go to invariant 6. */
    void verifyLedger(SimNode n) throws Exception {
        FullVerifier verifier = new FullVerifier();
        List<Envelope> signed = new ArrayList<>();
        ScanResult res = LedgerScanner.scan(Ledger.directory(n.config().node().dataDir()), (entry, payload) -> {
            Optional<String> bad = verifier.visit(entry, payload);
            if (bad.isEmpty() && entry.kind() == EntryKind.SIGNED) {
                try {
                    signed.add(entry.envelope());
                } catch (Exception e) {
                    return Optional.of("signed entry does not decode: " + e.getMessage());
                }
            }
            return bad;
        });
        FuzzStats.inc("inv8.ledgers");
        if (!res.intact()) {
            fail("inv8 " + n + ": ledger does not verify in full: " + res);
        }
        if (s.honest(f.nodes().indexOf(n) + 1)) {
            for (Envelope e : signed) {
                inv.ownSignature(n, e).ifPresent(x -> fail(x + " (from its ledger)"));
            }
        }
    }
}
