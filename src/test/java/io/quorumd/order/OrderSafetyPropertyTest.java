package io.quorumd.order;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderBatch;
import io.quorumd.wire.OrderCommitted;
import io.quorumd.wire.OrderPreprepare;
import io.quorumd.wire.OrderVote;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Safety over seeds: f byzantine replicas (chosen by the seed, the primary possibly among them) forge,
 * replay and equivocate while the network loses, duplicates and reorders; no two correct replicas ever
 * execute different digests at one seq (the replica itself throws on a second committed digest).
 */
class OrderSafetyPropertyTest {
    /** 500 seeds in CI; {@code -Dquorumd.order.seeds=10000} for the long run. */
    static LongStream seeds() {
        return LongStream.range(0, Long.getLong("quorumd.order.seeds", 500));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void noSeqCommitsTwoDigestsAmongCorrectReplicas(long seed) {
        int n = seed % 10 == 9 ? 7 : 4;
        OrderSim sim = OrderSim.of(seed, n);
        sim.loss = 0.05;
        sim.duplicate = 0.05;
        sim.maxDelayMs = 30;
        Random r = new Random(seed * 31 + 7);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, r);
        for (int b = 0; b < sim.set.f(); b++) {
            OrderSim.Node bad = sim.node(order.get(b));
            bad.tamper = byzantine(sim, r, r.nextInt(3));
        }
        int total = 3;
        for (int i = 0; i < total; i++) {
            sim.world.after(i * 40L, sim::submit);
        }
        try {
            sim.runUntil(Duration.ofMinutes(3), () -> sim.allExecuted(total));
        } catch (IllegalStateException e) {
            throw new AssertionError("seed " + seed + ": " + e.getMessage(), e);
        }
        assertTrue(sim.violations.isEmpty(), "seed " + seed + ": " + sim.violations);
        for (OrderSim.Node x : sim.correct()) {
            assertTrue(x.journal.diverged == null, "seed " + seed + ": node-" + x.index + " diverged " + x.journal.diverged);
        }
    }

    /** 0: equivocate (other digests to random receivers), 1: replay old envelopes, 2: forge proofs and stay quiet. */
    private static OrderSim.Tamper byzantine(OrderSim sim, Random r, int mode) {
        List<Envelope> history = new ArrayList<>();
        return (from, to, topic, env) -> {
            List<Envelope> out = new ArrayList<>();
            switch (mode) {
                case 0 -> {
                    if (r.nextBoolean() && env.body() instanceof OrderPreprepare pp) {
                        out.add(sim.resign(from, env.type(),
                                OrderPreprepare.of(pp.view(), new OrderBatch(0, pp.seq(), pp.ts() + 1, pp.items()))));
                    } else if (r.nextBoolean() && env.body() instanceof OrderVote v) {
                        out.add(sim.resign(from, env.type(), new OrderVote(0, v.view(), v.seq(), OrderSim.randomDigest(r))));
                    } else {
                        out.add(env);
                    }
                }
                case 1 -> {
                    out.add(env);
                    history.add(env);
                    history.addAll(from.seen.subList(Math.max(0, from.seen.size() - 4), from.seen.size()));
                    for (int i = 0; i < 2 && !history.isEmpty(); i++) {
                        out.add(history.get(r.nextInt(history.size())));
                    }
                    if (history.size() > 500) {
                        history.subList(0, 250).clear();
                    }
                }
                default -> {
                    if (r.nextInt(3) == 0) {
                        out.add(env);
                    }
                    if (env.body() instanceof OrderVote v && env.type() == MessageType.ORDER_COMMIT) {
                        Envelope fake = sim.resign(from, MessageType.ORDER_COMMIT,
                                new OrderVote(0, v.view(), v.seq(), OrderBatch.nullAt(0, v.seq()).digest()));
                        out.add(sim.resign(from, MessageType.ORDER_COMMITTED, new OrderCommitted(0, v.seq(), v.view(), 0,
                                List.of(), Collections.nCopies(sim.set.q(), fake))));
                    }
                }
            }
            return out;
        };
    }
}
