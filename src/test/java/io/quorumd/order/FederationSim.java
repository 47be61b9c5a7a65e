package io.quorumd.order;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Ed25519;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import io.quorumd.loop.Scheduler;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.Body;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Json;
import io.quorumd.wire.Member;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderEndorse;
import io.quorumd.wire.OrderItem;
import io.quorumd.wire.OrderRequest;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import io.quorumd.wire.SlotSigner;
import io.quorumd.wire.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * A seeded simulation of whole nodes' ordering across epochs: each node runs a {@link Federation} over its own
 * {@link FederationState}, and checks every inbound envelope like the inbound gate does, against the keys its
 * federation knows now (the current roster, and the epoch just closed). The network loses, duplicates and
 * delays; nodes may join later from an anchor (the state a node exports after the change that admitted it).
 */
final class FederationSim {
    static final Topics TOPICS = new Topics("fed");
    static final long START = 1_800_000_000_000L;

    final SimWorld world;
    final OrderParams params = OrderParams.defaults();
    final List<Node> nodes = new ArrayList<>();
    /** seq → batch digest as executed by the first correct node; a second digest is a violation. */
    final Map<Long, String> committed = new HashMap<>();
    final List<String> violations = new ArrayList<>();
    double loss;
    double duplicate;
    long maxDelayMs;
    /** Nodes cut off the network: they neither send nor receive, but their timers keep running. */
    final Set<Node> cut = new java.util.HashSet<>();
    /** Every envelope published, in order. */
    final List<Envelope> wire = new ArrayList<>();
    /** Drops the deliveries of (receiver, envelope) pairs it accepts. */
    java.util.function.BiPredicate<Node, Envelope> drop = (n, e) -> false;

    /** n founding members, all voters and replicas, keys from seeds 1…n, indexed by node id order. */
    FederationSim(long seed, int n) {
        this(seed, n, i -> io.quorumd.pm.PmPolicy.defaults());
    }

    /** As {@link #FederationSim(long, int)}, node i anchored with the pm times of {@code pm.apply(i)}. */
    FederationSim(long seed, int n, java.util.function.IntFunction<io.quorumd.pm.PmPolicy> pm) {
        this.world = new SimWorld(seed, START);
        List<NodeKey> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            keys.add(key(i + 1));
        }
        keys.sort(Comparator.comparing(k -> k.nodeId().hex()));
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            members.add(new Member("node-" + (i + 1), keys.get(i).publicKey(), Set.of(Role.VOTER, Role.REPLICA)));
        }
        Roster roster = new Roster(members);
        for (int i = 0; i < n; i++) {
            nodes.add(new Node("node-" + (i + 1), keys.get(i), FederationState.anchor(roster, pm.apply(i))));
        }
        nodes.forEach(x -> x.federation.start());
    }

    static NodeKey key(int seed) {
        byte[] s = new byte[32];
        s[0] = (byte) seed;
        s[1] = 77;
        return NodeKey.fromSeed(s);
    }

    /** {@code by} asks to admit {@code name} with {@code newKey}, which signs the proof of possession now. */
    static Envelope addRequest(Node by, String name, NodeKey newKey, Set<Role> roles, FederationSim sim) {
        io.quorumd.crypto.Bytes pop = newKey.sign(RosterOp.popMessage(RosterOp.ADD, by.state().epoch(), name,
                newKey.publicKey(), sim.world.now()));
        return by.request(RosterOp.ADD, RosterOp.addArgs(name, newKey.publicKey(), roles, pop));
    }

    static boolean allAt(List<Node> nodes, long epoch) {
        return nodes.stream().allMatch(x -> x.state().epoch() == epoch);
    }

    static boolean executedBy(Node x, Envelope request) {
        return x.results.stream().anyMatch(r -> r.requestId().equals(request.contentId()));
    }

    static boolean allExecuted(List<Node> nodes, Envelope request) {
        return nodes.stream().allMatch(x -> executedBy(x, request));
    }

    /** A node that joins from {@code anchor} (a copy of a member's state after the change that admitted it). */
    Node join(String name, NodeKey key, FederationState anchor) {
        Node x = new Node(name, key, anchor.copy()); // the whole state, pm accounts and times included
        nodes.add(x);
        x.federation.start();
        return x;
    }

    Node node(String name) {
        return nodes.stream().filter(x -> x.name.equals(name)).findFirst().orElseThrow();
    }

    boolean runUntil(Duration limit, BooleanSupplier done) {
        return world.runUntil(limit, done);
    }

    private long delay() {
        return maxDelayMs == 0 ? 0 : world.random().nextInt((int) maxDelayMs + 1);
    }

    void publish(Node from, String topic, Envelope env) {
        if (from.crashed || cut.contains(from)) {
            return;
        }
        wire.add(env);
        boolean request = topic.equals(TOPICS.orderPropose()); // requests travel at QoS 1: delayed, never lost
        for (Node to : nodes) {
            if (to == from || cut.contains(to) || drop.test(to, env) || (!request && world.random().nextDouble() < loss)) {
                continue;
            }
            int copies = world.random().nextDouble() < duplicate ? 2 : 1;
            for (int c = 0; c < copies; c++) {
                world.after(delay(), () -> to.deliver(topic, env));
            }
        }
    }

    /** One node: key (and the key it rotates to), sign-once store, the federation, and what it recorded. */
    final class Node implements SlotSigner, Federation.Listener {
        final String name;
        NodeKey key;
        NodeKey nextKey;
        final Federation federation;
        final Map<String, Integer> refusals = new HashMap<>();
        final TreeMap<Long, String> executed = new TreeMap<>();
        final List<FederationState.Result> results = new ArrayList<>();
        final List<FederationState.EpochChange> changes = new ArrayList<>();
        final TreeMap<Long, List<Envelope>> certificates = new TreeMap<>();
        final Map<Long, List<Envelope>> commitsAt = new HashMap<>();
        private final Map<String, Envelope> slots = new HashMap<>();
        boolean crashed;

        Node(String name, NodeKey key, FederationState state) {
            this.name = name;
            this.key = key;
            Scheduler scheduler = world.scheduler(t -> this.federation().onTimer(t.key()), () -> !crashed);
            OrderJournal journal = new OrderJournal() {
                @Override
                public void refused(String reason, String detail) {
                    count(reason);
                }

                @Override
                public void evidence(Envelope first, Envelope second) {
                    count("evidence");
                }

                @Override
                public void executed(long seq, long view, List<OrderItem> items, List<Envelope> commits) {
                }

                @Override
                public void diverged(long seq, String ownDigest, String stableDigest) {
                    violations.add(name + " diverged at " + seq);
                }

                @Override
                public void viewChangeStarted(long view) {
                }

                @Override
                public void viewEntered(long view) {
                }

                @Override
                public void stable(long seq, String stateDigest) {
                }
            };
            this.federation = new Federation(key.nodeId(), state, params, world.clock(), scheduler, this,
                    (topic, env, retained) -> publish(this, topic, env), TOPICS, journal, this);
        }

        private Federation federation() {
            return federation;
        }

        void count(String reason) {
            refusals.merge(reason, 1, Integer::sum);
        }

        int refused(String reason) {
            return refusals.getOrDefault(reason, 0);
        }

        FederationState state() {
            return federation.state();
        }

        /** The inbound gate: topic, known sender, signature; then the federation. */
        void deliver(String topic, Envelope env) {
            if (crashed || !TOPICS.fits(topic, env)) {
                return;
            }
            Optional<Member> sender = federation.signer(env);
            if (sender.isEmpty()) {
                count("unknown_sender");
                return;
            }
            if (!Ed25519.verify(sender.get().publicKey(), env.signingBytes(), env.sig())) {
                count("bad_signature");
                return;
            }
            federation.onMessage(env);
        }

        Envelope sign(MessageType type, Body body) {
            return new EnvelopeSigner(key, world.clock()).sign(type, body);
        }

        /** Signs a request of the current epoch and hands it to everyone, itself included. */
        Envelope request(String op, ObjectNode args) {
            Envelope req = sign(MessageType.ORDER_REQUEST, new OrderRequest(state().epoch(), op, args, world.now()));
            publish(this, TOPICS.orderPropose(), req);
            federation.onMessage(req);
            return req;
        }

        Envelope noop(String note) {
            ObjectNode args = Json.object();
            args.put("note", note);
            return request(RosterOp.NOOP, args);
        }

        Envelope endorse(Envelope request) {
            Envelope e = sign(MessageType.ORDER_ENDORSE, new OrderEndorse(state().epoch(), request.contentId()));
            publish(this, TOPICS.orderPropose(), e);
            federation.onMessage(e);
            return e;
        }

        @Override
        public Envelope signOnce(String slot, MessageType type, Body body, String topic, boolean retained) {
            Envelope old = slots.get(slot);
            if (old != null) {
                return old;
            }
            Envelope env = sign(type, body);
            slots.put(slot, env);
            publish(this, topic, env);
            return env;
        }

        @Override
        public Optional<Envelope> signed(String slot) {
            return Optional.ofNullable(slots.get(slot));
        }

        @Override
        public void executed(long epoch, long seq, long view, long ts, List<OrderItem> items, List<Envelope> commits,
                             List<FederationState.Result> res) {
            String digest = ((io.quorumd.wire.OrderVote) commits.get(0).body()).digest();
            executed.put(seq, digest);
            results.addAll(res);
            commitsAt.put(seq, commits);
            String other = committed.putIfAbsent(seq, digest);
            if (other != null && !other.equals(digest)) {
                violations.add("seq " + seq + ": " + other + " and " + digest);
            }
        }

        @Override
        public void epochChanged(FederationState.EpochChange change, NodeId self) {
            changes.add(change);
            if (!self.equals(key.nodeId())) {
                if (nextKey == null || !nextKey.nodeId().equals(self)) {
                    violations.add(name + " rotated to a key it does not hold");
                    return;
                }
                key = nextKey;
                nextKey = null;
            }
        }

        @Override
        public void epochCertified(long epoch, long seq, String stateDigest, List<Envelope> certificate) {
            certificates.put(epoch, certificate);
        }
    }
}
