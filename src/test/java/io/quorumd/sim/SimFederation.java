package io.quorumd.sim;

import io.quorumd.config.ConfigLoader;
import io.quorumd.config.Durations;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.crypto.NodeKey;
import io.quorumd.wire.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * N simulated nodes with seeded keys, one config each (the same YAML path as production), ledgers in
 * {@code root} without fsync, on one {@link SimBus} in one {@link SimWorld}.
 */
public final class SimFederation {
    /** Timings and sizes of a simulated federation. */
    public record Options(int nodes, int minVoters, Duration heartbeat, Duration offlineAfter, Duration interval,
                          Duration checkEvery, Duration voteWindow, Duration voteJitter, Duration bootGrace,
                          Arbiters arbiters, Duration clockSkew, String extraYaml, int replicas) {
        public Options(int nodes, int minVoters, Duration heartbeat, Duration offlineAfter, Duration interval,
                       Duration checkEvery, Duration voteWindow, Duration voteJitter, Duration bootGrace,
                       Arbiters arbiters) {
            this(nodes, minVoters, heartbeat, offlineAfter, interval, checkEvery, voteWindow, voteJitter, bootGrace,
                    arbiters, Duration.ofSeconds(1), "", 0);
        }

        public Options(int nodes, int minVoters, Duration heartbeat, Duration offlineAfter, Duration interval,
                       Duration checkEvery, Duration voteWindow, Duration voteJitter, Duration bootGrace) {
            this(nodes, minVoters, heartbeat, offlineAfter, interval, checkEvery, voteWindow, voteJitter, bootGrace,
                    new Arbiters(3, 2, 0, Duration.ofMinutes(60), Duration.ofMinutes(30)));
        }

        /** The same with other arbiter roles and timings. */
        public Options withArbiters(Arbiters a) {
            return new Options(nodes, minVoters, heartbeat, offlineAfter, interval, checkEvery, voteWindow, voteJitter,
                    bootGrace, a, clockSkew, extraYaml, replicas);
        }

        /** The same with another federation.clockSkew (it must cover the bus's delivery delay). */
        public Options withClockSkew(Duration skew) {
            return new Options(nodes, minVoters, heartbeat, offlineAfter, interval, checkEvery, voteWindow, voteJitter,
                    bootGrace, arbiters, skew, extraYaml, replicas);
        }

        /** The same with more top-level YAML sections for every node (e.g. "responder:\n  tick: 1s\n"). */
        public Options withYaml(String yaml) {
            return new Options(nodes, minVoters, heartbeat, offlineAfter, interval, checkEvery, voteWindow, voteJitter,
                    bootGrace, arbiters, clockSkew, extraYaml + yaml, replicas);
        }

        /** The same with node-1…node-{@code r} also replicas: with 4 or more, the nodes order roster changes. */
        public Options withReplicas(int r) {
            return new Options(nodes, minVoters, heartbeat, offlineAfter, interval, checkEvery, voteWindow, voteJitter,
                    bootGrace, arbiters, clockSkew, extraYaml, r);
        }

        /** Short timings, as `federation init --fast` writes. */
        public static Options fast(int nodes) {
            return new Options(nodes, Math.min(5, nodes - 1), Duration.ofSeconds(1), Duration.ofSeconds(4),
                    Duration.ofSeconds(30), Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ZERO, Duration.ofSeconds(2));
        }

        /** --fast timings, checkpoints far away, and the given arbiters: node-1…node-P primaries, then F fallbacks. */
        public static Options arbitration(int nodes, int primaries, int required, int fallbacks) {
            return new Options(nodes, Math.min(5, nodes - 1), Duration.ofSeconds(1), Duration.ofSeconds(4),
                    Duration.ofHours(24), Duration.ofMinutes(15), Duration.ofSeconds(3), Duration.ZERO,
                    Duration.ofSeconds(2), new Arbiters(primaries, required, fallbacks, Duration.ofSeconds(60),
                    Duration.ofSeconds(30)));
        }
    }

    /** Arbiter roles and timings. */
    public record Arbiters(int primaries, int required, int fallbacks, Duration votingTimeout, Duration fallbackExtension) {
    }

    private final SimWorld world;
    private final SimBus bus;
    private final List<SimNode> nodes = new ArrayList<>();
    private final List<String> yamls = new ArrayList<>();
    private final Path root;

    public SimFederation(SimWorld world, SimBus bus, Path root, Options o) throws Exception {
        this.world = world;
        this.bus = bus;
        this.root = root;
        List<NodeKey> keys = new ArrayList<>();
        StringBuilder roster = new StringBuilder();
        for (int i = 1; i <= o.nodes(); i++) {
            byte[] seed = new byte[32];
            world.random().nextBytes(seed);
            NodeKey k = NodeKey.fromSeed(seed);
            keys.add(k);
            Arbiters a = o.arbiters();
            String role = i <= a.primaries() ? ", arbiter" : i <= a.primaries() + a.fallbacks() ? ", fallback-arbiter" : "";
            if (i <= o.replicas()) {
                role += ", replica";
            }
            roster.append("    - name: node-").append(i).append("\n      publicKey: ").append(k.publicKey().base64())
                    .append("\n      roles: [voter").append(role).append("]\n");
        }
        for (int i = 1; i <= o.nodes(); i++) {
            String yaml = "node:\n  name: node-" + i + "\n  dataDir: node-" + i + "\n"
                    + "mqtt:\n  topicPrefix: sim\n"
                    + "federation:\n  name: sim\n  clockSkew: " + d(o.clockSkew()) + "\n  roster:\n" + roster
                    + "presence:\n  heartbeat: " + d(o.heartbeat()) + "\n  offlineAfter: " + d(o.offlineAfter()) + "\n"
                    + "checkpoint:\n  minVoters: " + o.minVoters() + "\n  interval: " + d(o.interval())
                    + "\n  checkEvery: " + d(o.checkEvery()) + "\n  voteWindow: " + d(o.voteWindow())
                    + "\n  voteJitter: " + d(o.voteJitter()) + "\n  bootGrace: " + d(o.bootGrace()) + "\n"
                    + "arbiter:\n  required: " + o.arbiters().required() + "\n  votingTimeout: "
                    + d(o.arbiters().votingTimeout()) + "\n  fallbackExtension: " + d(o.arbiters().fallbackExtension())
                    + "\n"
                    + "ledger:\n  fsync: off\n"
                    + "logging:\n  statsEvery: 1d\n" + o.extraYaml();
            yamls.add(yaml);
            QuorumdConfig c = ConfigLoader.parse(yaml, root.resolve("node-" + i + ".yaml"), Map.<String, String>of()::get);
            nodes.add(new SimNode(world, bus, c, keys.get(i - 1)));
        }
    }

    /**
     * Node {@code oneBased}'s config as its operator would rewrite it: {@code edit} gets the node's YAML
     * (roster entries are three lines each, starting with {@code "    - name: node-N"}) and returns the new one.
     */
    public QuorumdConfig reconfigured(int oneBased, UnaryOperator<String> edit) throws Exception {
        return ConfigLoader.parse(edit.apply(yamls.get(oneBased - 1)), root.resolve("node-" + oneBased + ".yaml"),
                Map.<String, String>of()::get);
    }

    /**
     * A second node with node {@code oneBased}'s key and config but the data dir {@code dataDir} (relative to the
     * federation's root): a cloned machine, or the same config copied to another one. Not started, not in
     * {@link #nodes()}.
     */
    public SimNode twinOf(int oneBased, String dataDir) throws Exception {
        QuorumdConfig c = reconfigured(oneBased, y -> y.replace("  dataDir: node-" + oneBased + "\n", "  dataDir: " + dataDir + "\n"));
        return new SimNode(world, bus, c, node(oneBased).key());
    }

    /** A YAML edit that removes one member's three roster lines. */
    public static UnaryOperator<String> withoutMember(String name) {
        return yaml -> yaml.replaceAll("    - name: " + name + "\n.*\n.*\n", "");
    }

    private static String d(Duration x) {
        return Durations.format(x);
    }

    /** A world from {@code seed}, a bus delaying each delivery up to {@code maxDelayMs}, every node started. */
    public static SimFederation started(long seed, Path root, Options o, long maxDelayMs) throws Exception {
        SimWorld world = new SimWorld(seed, 1_800_000_000_000L);
        SimFederation f = new SimFederation(world, new SimBus(world, 0, 0, maxDelayMs), root, o);
        f.startAll();
        return f;
    }

    public List<SimNode> nodes() {
        return nodes;
    }

    public SimNode node(int oneBased) {
        return nodes.get(oneBased - 1);
    }

    public void startAll() throws Exception {
        for (SimNode n : nodes) {
            n.start();
        }
    }

    /** Runs until every running node finished its first sync (or {@code limit} passes); true if all did. */
    public boolean awaitCaughtUp(Duration limit) {
        return world.runUntil(limit, () -> nodes.stream().filter(SimNode::up).allMatch(n -> n.core().sync().caughtUp()));
    }

    public SimWorld world() {
        return world;
    }

    public SimBus bus() {
        return bus;
    }

    /** Checkpoint-protocol deliveries to one node (proposals, votes, finals). */
    public long checkpointDeliveries(SimNode n) {
        return bus.deliveries(n, MessageType.CHECKPOINT_PROPOSAL, MessageType.CHECKPOINT_VOTE, MessageType.CHECKPOINT_FINAL);
    }
}
