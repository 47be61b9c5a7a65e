package io.quorumd.node;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.sim.SimBus;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.Decision;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Real messages of every type, as a broker saw them: a six-node federation (four replicas, three primary
 * arbiters and one fallback, pm on, the responder on) runs checkpoints, a dispute that needs its fallback, a
 * payment and a view change, while a tap on the bus keeps each message with its topic.
 */
final class CapturedTraffic implements SimBus.Receiver {
    /** One message on the topic it travelled on. */
    record Sent(String topic, Envelope envelope) {
    }

    static final String YAML = "pm:\n  enabled: true\n  paramsTtl: 20s\n  paramsExpiryBuffer: 2s\n  claimWindow: 10m\n"
            + "  unlockPeriod: 1h\n  reservePeriod: 1h\n" + "responder:\n  tick: 10s\n  ackDelay: 1s\n" + "order:\n  checkpointEvery: 1\n";

    private final Map<MessageType, List<Sent>> byType = new EnumMap<>(MessageType.class);
    private boolean recording = true;

    @Override
    public void receive(String topic, Envelope envelope, boolean retained) {
        if (recording && !retained) {
            byType.computeIfAbsent(envelope.type(), t -> new ArrayList<>()).add(new Sent(topic, envelope));
        }
    }

    /** Every message of {@code type} the tap saw, in order. */
    List<Sent> all(MessageType type) {
        return byType.getOrDefault(type, List.of());
    }

    /** The first message of {@code type} the tap saw. */
    Sent first(MessageType type) {
        List<Sent> l = all(type);
        if (l.isEmpty()) {
            throw new AssertionError("no " + type.wireName() + " was captured; captured: " + byType.keySet());
        }
        return l.get(0);
    }

    /** Message types never seen. */
    List<MessageType> missing() {
        return java.util.Arrays.stream(MessageType.values()).filter(t -> !byType.containsKey(t)).toList();
    }

    /** Whether {@code n} subscribes to {@code topic} (MQTT filter matching, {@code +} and a trailing {@code #}). */
    static boolean heardBy(SimNode n, String topic) {
        List<String> filters = new ArrayList<>(n.topics().subscriptions(n.id()));
        filters.addAll(n.topics().orderSubscriptions());
        filters.addAll(n.topics().pmSubscriptions(n.id()));
        for (String filter : filters) {
            String[] fl = filter.split("/", -1);
            String[] tl = topic.split("/", -1);
            boolean match = fl.length == tl.length || fl[fl.length - 1].equals("#");
            for (int i = 0; match && i < fl.length; i++) {
                if (fl[i].equals("#")) {
                    break;
                }
                match = i < tl.length && (fl[i].equals("+") || fl[i].equals(tl[i]));
            }
            if (match) {
                return true;
            }
        }
        return false;
    }

    void stopRecording() {
        recording = false;
    }

    static SimFederation federation(long seed, Path dir) throws Exception {
        SimFederation.Options o = SimFederation.Options.fast(6).withReplicas(4)
                .withArbiters(new SimFederation.Arbiters(3, 2, 1, Duration.ofSeconds(60), Duration.ofSeconds(30)))
                .withClockSkew(Duration.ofSeconds(5)).withYaml(YAML);
        SimWorld world = new SimWorld(seed, 1_800_000_000_000L);
        return new SimFederation(world, new SimBus(world, 0, 0, 20), dir, o);
    }

    /** Starts {@code f} with a tap on its bus and drives it through every kind of traffic. */
    static CapturedTraffic drive(SimFederation f) throws Exception {
        CapturedTraffic tap = new CapturedTraffic();
        f.bus().subscribe(tap, List.of("#"));
        f.startAll();
        SimWorld w = f.world();
        String seed = ", seed " + w.seed();
        assertTrue(f.awaitCaughtUp(Duration.ofSeconds(30)), "caught up" + seed);
        // pm: node-5 funds itself and pays node-6
        PmNodeTest.cmd(f.node(5), "pm.fund", PmNodeTest.args("deposit", "100000", "reserve", "60000"));
        assertTrue(w.runUntil(Duration.ofSeconds(30), () -> f.nodes().stream().allMatch(n -> n.core().ordering()
                .orElseThrow().federation().state().accounts().account(f.node(5).id()).deposit().signum() > 0)),
                "funded" + seed);
        PmNodeTest.cmd(f.node(5), "pm.pay", PmNodeTest.args("to", "node-6", "ev", "100"));
        // a dispute node-5 opens against node-6; one primary votes, the fallback is activated, then a second
        String id = f.node(5).control(c -> c.arbiter().orElseThrow().desk().open("pay-1", "node-5", "node-6", 100,
                "late", List.of()));
        w.run(Duration.ofSeconds(2));
        f.node(1).control(c -> {
            c.arbiter().orElseThrow().desk().vote(id, Decision.BUYER, "because");
            return null;
        });
        assertTrue(w.runUntil(Duration.ofSeconds(60), () -> !tap.all(MessageType.DISPUTE_FALLBACK).isEmpty()),
                "fallback activated" + seed);
        f.node(4).control(c -> {
            c.arbiter().orElseThrow().desk().vote(id, Decision.BUYER, "because");
            return null;
        });
        assertTrue(w.runUntil(Duration.ofSeconds(30), () -> !tap.all(MessageType.DISPUTE_RULING).isEmpty()
                && !tap.all(MessageType.RESPONDER_ACK).isEmpty()), "ruled and acknowledged" + seed);
        assertTrue(w.runUntil(Duration.ofSeconds(90), () -> !tap.all(MessageType.CHECKPOINT_FINAL).isEmpty()),
                "a checkpoint" + seed);
        // a view change: the primary of view 0 crashes while a request waits, then comes back and catches up
        SimNode primary = f.node(1);
        primary.crash();
        PmNodeTest.cmd(f.node(6), "pm.fund", PmNodeTest.args("deposit", "1000", "reserve", "600"));
        assertTrue(w.runUntil(Duration.ofSeconds(120), () -> !tap.all(MessageType.ORDER_NEWVIEW).isEmpty()),
                "a new view" + seed);
        primary.start();
        w.run(Duration.ofSeconds(30));
        // a removal node-3 asks for and node-4 endorses (one endorsement short of a quorum: it stays pending)
        com.fasterxml.jackson.databind.node.ObjectNode remove = io.quorumd.wire.Json.object();
        remove.put("op", "roster.remove");
        remove.set("args", io.quorumd.wire.Json.object().put("nodeId", f.node(6).id().hex()));
        String requestId = f.node(3).control(c -> FederationCommands.run("federation.propose", remove, c))
                .path("requestId").asText();
        w.run(Duration.ofSeconds(1));
        f.node(4).control(c -> FederationCommands.run("federation.endorse",
                io.quorumd.wire.Json.object().put("requestId", requestId), c));
        w.run(Duration.ofSeconds(2));
        f.node(2).stop();
        return tap;
    }
}
