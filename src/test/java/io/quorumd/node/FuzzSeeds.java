package io.quorumd.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.order.RosterOp;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.Decision;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.Json;
import io.quorumd.wire.MessageType;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Valid signed messages of every {@link MessageType}, captured from a five-node federation that does what a
 * federation does: heartbeats, checkpoints, sync, two disputes (one ruled by the primaries, one after fallback
 * activation), ordering on four replicas (with a view change while the primary is down and a catch-up after) and
 * pm tickets. The federation stays up: its node-2 is then the target the mutated messages are sent to.
 */
final class FuzzSeeds {
    static final String PM = "pm:\n  enabled: true\n  paramsTtl: 20s\n  paramsExpiryBuffer: 2s\n  claimWindow: 10m\n"
            + "  unlockPeriod: 1h\n  reservePeriod: 1h\n";
    /** Seeds kept per type: enough variety, few enough that every type gets its share of cases. */
    static final int PER_TYPE = 24;
    /** Seeds kept per type and sender, so that every member's messages are among them (the target's own too). */
    static final int PER_SENDER = 6;

    final SimFederation federation;
    final Map<MessageType, List<Envelope>> byType = new EnumMap<>(MessageType.class);

    private FuzzSeeds(SimFederation federation) {
        this.federation = federation;
    }

    /** Runs the scenario in {@code dir} from world seed {@code seed}; fails if a step does not happen. */
    static FuzzSeeds capture(long seed, Path dir) throws Exception {
        SimFederation.Options o = SimFederation.Options.fast(5).withReplicas(4).withClockSkew(Duration.ofSeconds(5))
                .withArbiters(new SimFederation.Arbiters(2, 2, 1, Duration.ofSeconds(60), Duration.ofSeconds(30)))
                .withYaml(PM + "responder:\n  tick: 5s\n  ackDelay: 1s\n");
        SimFederation f = SimFederation.started(seed, dir, o, 20);
        SimWorld w = f.world();
        w.run(Duration.ofSeconds(5));
        SimNode n1 = f.node(1);
        SimNode n2 = f.node(2);

        cmd(n1, "pm.fund", "deposit", 100000, "reserve", 60000);
        step(w, "funded", Duration.ofSeconds(30), () -> f.nodes().subList(0, 4).stream().allMatch(n -> n.core().ordering()
                .orElseThrow().federation().state().accounts().account(n1.id()).deposit().equals(BigInteger.valueOf(100000))));
        admitSixth(f, f.node(3));

        String ruled = f.node(4).control(c -> c.arbiter().orElseThrow().desk().open("pay-1", "node-4", "node-5", 10,
                "late", List.of()));
        w.run(Duration.ofSeconds(1));
        vote(f.node(1), ruled);
        vote(f.node(2), ruled);
        step(w, "ruled", Duration.ofSeconds(10), () -> n2.core().arbiter().orElseThrow().dispute(ruled).orElseThrow()
                .ruling().isPresent());

        String fallback = f.node(5).control(c -> c.arbiter().orElseThrow().desk().open("pay-2", "node-5", "node-4", 10,
                "lost", List.of()));
        w.run(Duration.ofSeconds(1));
        vote(f.node(1), fallback);
        w.run(Duration.ofSeconds(70));
        vote(f.node(3), fallback);
        w.run(Duration.ofSeconds(5));

        cmd(n1, "pm.pay", "to", "node-2", "ev", 30000);
        w.run(Duration.ofSeconds(60));

        SimNode primary = f.nodes().stream().filter(n -> n.id().equals(n1.core().ordering().orElseThrow().federation()
                .current().replicaSet().primary(0))).findFirst().orElseThrow();
        SimNode other = f.nodes().subList(0, 4).stream().filter(n -> n != primary && n != n2).findFirst().orElseThrow();
        primary.stop();
        other.control(c -> c.ordering().orElseThrow().propose(RosterOp.NOOP, Json.object().put("note", "a"), 0));
        w.run(Duration.ofSeconds(60));
        primary.start();
        w.run(Duration.ofSeconds(30));
        other.control(c -> c.ordering().orElseThrow().propose(RosterOp.NOOP, Json.object().put("note", "b"), 0));
        w.run(Duration.ofSeconds(30));

        FuzzSeeds seeds = new FuzzSeeds(f);
        for (SimNode n : f.nodes()) {
            for (Envelope e : n.published()) {
                List<Envelope> list = seeds.byType.computeIfAbsent(e.type(), t -> new ArrayList<>());
                long fromThisNode = list.stream().filter(x -> x.from().equals(e.from())).count();
                if (list.size() < PER_TYPE && fromThisNode < PER_SENDER && !list.contains(e)) {
                    list.add(e);
                }
            }
        }
        return seeds;
    }

    /** {@code by} proposes admitting a sixth member; two other replicas endorse it (order.endorse),
     * whether or not it is admitted: what is wanted here are the messages. */
    private static void admitSixth(SimFederation f, SimNode by) {
        SimWorld w = f.world();
        io.quorumd.crypto.NodeKey key = io.quorumd.crypto.NodeKey.fromSeed(new byte[32]);
        long at = w.now();
        io.quorumd.crypto.Bytes pop = key.sign(RosterOp.popMessage(RosterOp.ADD, 0, "node-6", key.publicKey(), at));
        String id = by.control(c -> c.ordering().orElseThrow().propose(RosterOp.ADD, RosterOp.addArgs("node-6",
                key.publicKey(), java.util.Set.of(io.quorumd.wire.Role.VOTER), pop), at));
        w.run(Duration.ofSeconds(1));
        f.nodes().subList(0, 4).stream().filter(n -> n != by).limit(2).forEach(n -> n.control(c -> {
            c.ordering().orElseThrow().endorse(id);
            return null;
        }));
        w.run(Duration.ofSeconds(10));
    }

    private static void step(SimWorld w, String what, Duration limit, java.util.function.BooleanSupplier done) {
        if (!w.runUntil(limit, done)) {
            throw new AssertionError("seed scenario: not " + what + ", world seed " + w.seed());
        }
    }

    private static void vote(SimNode n, String id) {
        n.control(c -> {
            c.arbiter().orElseThrow().desk().vote(id, Decision.BUYER, "because");
            return null;
        });
    }

    private static void cmd(SimNode n, String cmd, Object... kv) {
        ObjectNode args = Json.object();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] instanceof Integer v) {
                args.put((String) kv[i], v.longValue());
            } else {
                args.put((String) kv[i], (String) kv[i + 1]);
            }
        }
        n.control(c -> PaymentCommands.run(cmd, args, c));
    }
}
