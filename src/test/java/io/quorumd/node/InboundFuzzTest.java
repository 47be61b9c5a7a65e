package io.quorumd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.ledger.ScanResult;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random and mutated payloads through the production {@link InboundGate} into a running node's {@link NodeCore}
 * (node-2 of a five-node simulated federation with ordering, arbitration, the responder and pm on). Mutations start
 * from valid messages of every type; many are signed again by a roster member so they reach the machines' own
 * validation. Every case must end as a counted reject or an acceptance, with nothing escaping and no ERROR line; the
 * node must be healthy afterwards. {@code -Dquorumd.fuzz.cases} (default 10000) and {@code -Dquorumd.fuzz.seed}
 * choose the run.
 */
class InboundFuzzTest {
    static final long CASES = Long.getLong("quorumd.fuzz.cases", 10_000);
    static final long SEED = Long.getLong("quorumd.fuzz.seed", 20261122L);
    /** Cases between two stretches of virtual time, so that timers, retransmissions and the bus move on. */
    static final int CASES_PER_TICK = 200;

    @TempDir
    Path dir;

    @Test
    void mutatedAndRandomPayloadsAreCountedNeverEscapeAndLeaveTheNodeHealthy() throws Exception {
        long started = System.nanoTime();
        FuzzSeeds seeds = FuzzSeeds.capture(4242, dir);
        long captured = System.nanoTime();
        Set<MessageType> missing = EnumSet.allOf(MessageType.class);
        missing.removeAll(seeds.byType.keySet());
        assertEquals(Set.of(), missing, "seed scenario produced every message type");
        List<Envelope> all = seeds.byType.values().stream().flatMap(List::stream).toList();
        SimWorld w = seeds.federation.world();
        SimNode target = seeds.federation.node(2);
        Map<NodeId, NodeKey> members = new LinkedHashMap<>();
        seeds.federation.nodes().stream().filter(n -> n != target).forEach(n -> members.put(n.id(), n.key()));
        List<String> topics = new ArrayList<>(target.topics().subscriptions(target.id()));
        topics.addAll(List.of(target.topics().orderVote(), target.topics().orderView(), target.topics().orderPropose(),
                target.topics().orderFinal(), target.topics().pmTo(target.id()), "", "#", "sim", "other/prefix/x"));
        PayloadMutator mutator = new PayloadMutator(all, members, target.topics(), topics);
        Map<String, Long> kinds = new java.util.TreeMap<>();

        FuzzTally tally = new FuzzTally(target.metrics());
        tally.effects(() -> target.core().ledger().entries() + target.published().size());
        try (tally) {
            for (long i = 0; i < CASES; i++) {
                Random r = new Random(SEED * 1_000_003L + i);
                PayloadMutator.Payload p = mutator.next(r);
                kinds.merge(p.kind().replaceAll("_.*", ""), 1L, Long::sum);
                String label = "seed " + SEED + " case " + i + " (" + p.kind() + " on " + p.topic() + ", "
                        + p.bytes().length + " bytes)";
                FuzzTally.Before b = tally.before();
                Throwable escaped = null;
                try {
                    target.receiveRaw(p.topic(), p.bytes());
                } catch (RuntimeException | Error e) {
                    escaped = e;
                }
                tally.after(b, label, typeOf(p.bytes(), target.id()), escaped);
                if ((i + 1) % CASES_PER_TICK == 0) {
                    w.run(Duration.ofMillis(500));
                }
            }
        }
        long now = System.nanoTime();
        System.out.println("inbound fuzz: seed=" + SEED + " " + tally.summary() + " kinds=" + kinds + " seeds_ms="
                + (captured - started) / 1_000_000 + " fuzz_ms=" + (now - captured) / 1_000_000);
        System.out.println("inbound fuzz: accepted without a ledger entry or a publish, by type: " + tally.quietAccepts);
        if (!tally.uncountedWarns.isEmpty()) {
            System.out.println("inbound fuzz: WARN lines of accepted cases: " + tally.uncountedWarns);
        }
        assertEquals(List.of(), first(tally.escapes), "nothing escapes the gate or the core");
        assertEquals(List.of(), first(tally.errorLines), "no ERROR line");
        assertEquals(List.of(), first(tally.accountingFaults), "each case is one message in, at most one gate reject");
        assertTrue(target.up(), "the target is still up");
        healthyAfter(seeds, target);
    }

    /** The message type of a payload, marked "own" when it claims to come from the target itself (an echo). */
    private static String typeOf(byte[] bytes, NodeId self) {
        try {
            Envelope e = io.quorumd.wire.EnvelopeCodec.decode(bytes);
            return e.type().wireName() + (e.from().equals(self) ? "(own)" : "");
        } catch (io.quorumd.wire.DecodeException e) {
            return "undecodable";
        }
    }

    private static List<String> first(List<String> l) {
        return l.stream().limit(5).collect(Collectors.toList());
    }

    /** The target still takes part: it holds a dispute opened after the run and executes a batch ordered after it. */
    private static void healthyAfter(FuzzSeeds seeds, SimNode target) throws Exception {
        SimWorld w = seeds.federation.world();
        SimNode opener = seeds.federation.node(4);
        String id = opener.control(c -> c.arbiter().orElseThrow().desk().open("pay-after", "node-4", "node-5", 3,
                "after the run", List.of()));
        assertTrue(w.runUntil(Duration.ofSeconds(10), () -> target.core().arbiter().orElseThrow().dispute(id).isPresent()),
                "the target took a fresh dispute open, seed " + SEED);
        var before = target.core().ordering().orElseThrow().federation().state().lastSeq();
        SimNode proposer = seeds.federation.node(3);
        proposer.control(c -> c.ordering().orElseThrow().propose(io.quorumd.order.RosterOp.NOOP,
                io.quorumd.wire.Json.object().put("note", "after"), 0));
        assertTrue(w.runUntil(Duration.ofSeconds(120), () -> target.core().ordering().orElseThrow().federation().state()
                .lastSeq() > before), "the target executed a batch ordered after the run, seed " + SEED);
        ScanResult scan = LedgerScanner.scan(Ledger.directory(target.config().node().dataDir()), new FullVerifier());
        assertTrue(scan.intact(), "the target's ledger verifies in full: " + scan);
    }
}
