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

/**
 * N simulated nodes with seeded keys, one config each (the same YAML path as production), ledgers in
 * {@code root} without fsync, on one {@link SimBus} in one {@link SimWorld}.
 */
public final class SimFederation {
    /** Timings and sizes of a simulated federation. */
    public record Options(int nodes, int minVoters, Duration heartbeat, Duration offlineAfter, Duration interval,
                          Duration checkEvery, Duration voteWindow, Duration voteJitter, Duration bootGrace) {
        /** Short timings, as `federation init --fast` writes. */
        public static Options fast(int nodes) {
            return new Options(nodes, Math.min(5, nodes - 1), Duration.ofSeconds(1), Duration.ofSeconds(4),
                    Duration.ofSeconds(30), Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private final SimWorld world;
    private final SimBus bus;
    private final List<SimNode> nodes = new ArrayList<>();

    public SimFederation(SimWorld world, SimBus bus, Path root, Options o) throws Exception {
        this.world = world;
        this.bus = bus;
        List<NodeKey> keys = new ArrayList<>();
        StringBuilder roster = new StringBuilder();
        for (int i = 1; i <= o.nodes(); i++) {
            byte[] seed = new byte[32];
            world.random().nextBytes(seed);
            NodeKey k = NodeKey.fromSeed(seed);
            keys.add(k);
            roster.append("    - name: node-").append(i).append("\n      publicKey: ").append(k.publicKey().base64())
                    .append("\n      roles: [voter").append(i <= 3 ? ", arbiter" : "").append("]\n");
        }
        for (int i = 1; i <= o.nodes(); i++) {
            String yaml = "node:\n  name: node-" + i + "\n  dataDir: node-" + i + "\n"
                    + "mqtt:\n  topicPrefix: sim\n"
                    + "federation:\n  name: sim\n  roster:\n" + roster
                    + "presence:\n  heartbeat: " + d(o.heartbeat()) + "\n  offlineAfter: " + d(o.offlineAfter()) + "\n"
                    + "checkpoint:\n  minVoters: " + o.minVoters() + "\n  interval: " + d(o.interval())
                    + "\n  checkEvery: " + d(o.checkEvery()) + "\n  voteWindow: " + d(o.voteWindow())
                    + "\n  voteJitter: " + d(o.voteJitter()) + "\n  bootGrace: " + d(o.bootGrace()) + "\n"
                    + "arbiter:\n  required: 2\n"
                    + "ledger:\n  fsync: off\n"
                    + "logging:\n  statsEvery: 1d\n";
            QuorumdConfig c = ConfigLoader.parse(yaml, root.resolve("node-" + i + ".yaml"), Map.<String, String>of()::get);
            nodes.add(new SimNode(world, bus, c, keys.get(i - 1)));
        }
    }

    private static String d(Duration x) {
        return Durations.format(x);
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
