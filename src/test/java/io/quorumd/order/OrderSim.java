package io.quorumd.order;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Hashes;
import io.quorumd.crypto.NodeKey;
import io.quorumd.loop.Scheduler;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.Body;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.InboundVerifier;
import io.quorumd.wire.Json;
import io.quorumd.wire.Member;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderItem;
import io.quorumd.wire.OrderRequest;
import io.quorumd.wire.OrderVote;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import io.quorumd.wire.SlotSigner;
import io.quorumd.wire.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * A seeded simulation of n replicas of epoch 0 on one virtual clock: a network with loss, duplication and
 * delay (hence reordering) between replicas, partitions by a (sender, receiver, envelope) predicate, crashed
 * nodes, and byzantine nodes whose every outbound envelope goes through a {@link Tamper}. Requests come from a
 * client member and reach every live replica (QoS 1 in production), delayed but not lost. Every receiver checks
 * topic and signature like the inbound gate before the machine sees a message. Replicas are indexed in node-id
 * order, so node i is the primary of view i.
 */
final class OrderSim {
    static final Topics TOPICS = new Topics("sim");

    /** Rewrites what a byzantine node sends to one receiver; an empty list drops it. */
    interface Tamper {
        List<Envelope> outbound(Node from, int to, String topic, Envelope env);
    }

    /** Which deliveries a partition drops. */
    interface Cut {
        boolean drops(int from, int to, Envelope env);
    }

    final SimWorld world;
    final List<Node> nodes = new ArrayList<>();
    static final int CLIENTS = 16;
    final List<NodeKey> clients = new ArrayList<>();
    final ReplicaSet set;
    final OrderParams params;
    final Map<Long, String> committed = new HashMap<>();
    final List<String> violations = new ArrayList<>();
    final List<Envelope> published = new ArrayList<>();
    private final InboundVerifier verifier;
    private final Map<Envelope, Boolean> verified = new IdentityHashMap<>();
    double loss;
    double duplicate;
    long maxDelayMs;
    Cut cut = (f, t, e) -> false;
    private int requests;

    OrderSim(long seed, int n, OrderParams params) {
        this.world = new SimWorld(seed, 1_800_000_000_000L);
        this.params = params;
        List<NodeKey> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] s = new byte[32];
            s[0] = (byte) (i + 1);
            s[1] = 42;
            keys.add(NodeKey.fromSeed(s));
        }
        keys.sort(Comparator.comparing(k -> k.nodeId().hex()));
        for (int c = 0; c < CLIENTS; c++) {
            byte[] cs = new byte[32];
            cs[0] = (byte) (100 + c);
            clients.add(NodeKey.fromSeed(cs));
        }
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            members.add(new Member("node-" + i, keys.get(i).publicKey(), Set.of(Role.VOTER, Role.REPLICA)));
        }
        for (int c = 0; c < CLIENTS; c++) {
            members.add(new Member("client-" + c, clients.get(c).publicKey(), Set.of(Role.VOTER)));
        }
        Roster roster = new Roster(members);
        this.set = new ReplicaSet(0, roster);
        this.verifier = new InboundVerifier(roster);
        for (int i = 0; i < n; i++) {
            nodes.add(new Node(i, keys.get(i)));
        }
        nodes.forEach(x -> x.replica.start());
    }

    static OrderSim of(long seed, int n) {
        return new OrderSim(seed, n, OrderParams.defaults());
    }

    Node node(int i) {
        return nodes.get(i);
    }

    List<Node> correct() {
        return nodes.stream().filter(x -> x.tamper == null && !x.crashed).toList();
    }

    /** A request from the client, sent to every replica now. */
    Envelope submit() {
        return submit("request " + requests);
    }

    /** A request with {@code note}, sent to every replica now. */
    Envelope submit(String note) {
        ObjectNode args = Json.object();
        args.put("note", note);
        NodeKey client = clients.get(requests % CLIENTS);
        Envelope req = new EnvelopeSigner(client, world.clock()).sign(MessageType.ORDER_REQUEST,
                new OrderRequest(0, "noop", args, world.now()));
        requests++;
        for (Node x : nodes) {
            world.after(delay(), () -> deliver(x, TOPICS.orderPropose(), req));
        }
        return req;
    }

    boolean runUntil(Duration limit, BooleanSupplier done) {
        return world.runUntil(limit, done);
    }

    /** Every correct replica executed every submitted request. */
    boolean allExecuted(int total) {
        return requests == total && correct().stream().allMatch(x -> x.state.ids.size() == total);
    }

    private long delay() {
        return maxDelayMs == 0 ? 0 : world.random().nextInt((int) maxDelayMs + 1);
    }

    void publish(Node from, String topic, Envelope env) {
        if (from.crashed) {
            return;
        }
        published.add(env);
        from.sent.add(env);
        for (Node to : nodes) {
            if (to == from) {
                continue;
            }
            List<Envelope> out = from.tamper == null ? List.of(env) : from.tamper.outbound(from, to.index, topic, env);
            for (Envelope e : out) {
                if (cut.drops(from.index, to.index, e) || world.random().nextDouble() < loss) {
                    continue;
                }
                int copies = world.random().nextDouble() < duplicate ? 2 : 1;
                for (int c = 0; c < copies; c++) {
                    world.after(delay(), () -> deliver(to, topic, e));
                }
            }
        }
    }

    private void deliver(Node to, String topic, Envelope env) {
        if (to.crashed || !TOPICS.fits(topic, env)) {
            return;
        }
        if (!verified.computeIfAbsent(env, e -> verifier.verify(e) instanceof InboundVerifier.Verdict.Accepted)) {
            to.journal.count("bad_signature");
            return;
        }
        to.seen.add(env);
        if (System.getProperty("order.sim.trace") != null) {
            System.out.println("node-" + to.index + " t=" + world.now() + " <- " + env.type().wireName() + " from "
                    + set.label(env.from()) + " " + (env.body() instanceof OrderVote v ? v.view() + "/" + v.seq() + "/" + v.digest().substring(0, 6) : ""));
        }
        to.replica.onMessage(env);
    }

    /** Re-signs {@code body} as {@code node} (a byzantine node signs whatever it likes). */
    Envelope resign(Node node, MessageType type, Body body) {
        return new EnvelopeSigner(node.key, world.clock()).sign(type, body);
    }

    static String randomDigest(java.util.Random r) {
        byte[] b = new byte[32];
        r.nextBytes(b);
        return Hashes.sha256(b).hex();
    }

    static OrderVote vote(Envelope e) {
        return (OrderVote) e.body();
    }

    /** One simulated replica with its in-memory sign-once store, journal and hash-chain state. */
    final class Node implements SlotSigner {
        final int index;
        final NodeKey key;
        final Recorder journal = new Recorder();
        final ChainState state = new ChainState();
        final Replica replica;
        final List<Envelope> seen = new ArrayList<>();
        final List<Envelope> sent = new ArrayList<>();
        private final Map<String, Envelope> slots = new HashMap<>();
        private final EnvelopeSigner signer;
        Tamper tamper;
        boolean crashed;

        Node(int index, NodeKey key) {
            this.index = index;
            this.key = key;
            this.signer = new EnvelopeSigner(key, world.clock());
            Scheduler scheduler = world.scheduler(t -> replica().onTimer(t.key()), () -> !crashed);
            this.replica = new Replica(key.nodeId(), set, params, world.clock(), scheduler, this,
                    (topic, env, retained) -> publish(this, topic, env), TOPICS, journal, state);
        }

        private Replica replica() {
            return replica;
        }

        @Override
        public Envelope signOnce(String slot, MessageType type, Body body, String topic, boolean retained) {
            Envelope old = slots.get(slot);
            if (old != null) {
                return old;
            }
            Envelope env = signer.sign(type, body);
            slots.put(slot, env);
            publish(this, topic, env);
            return env;
        }

        @Override
        public Optional<Envelope> signed(String slot) {
            return Optional.ofNullable(slots.get(slot));
        }

        /** The names of the sign-once slots this node signed. */
        Set<String> slotNames() {
            return Set.copyOf(slots.keySet());
        }

        /** How many envelopes of {@code type} this node published (re-publications included). */
        long sentOf(MessageType type) {
            return sent.stream().filter(e -> e.type() == type).count();
        }

        /** What this node has executed, as (seq → batch digest). */
        TreeMap<Long, String> executed() {
            return journal.executed;
        }

        /** Records executions into the simulation-wide safety check (correct nodes only). */
        final class Recorder implements OrderJournal {
            final Map<String, Integer> refusals = new HashMap<>();
            final Map<String, String> lastDetail = new HashMap<>();
            final List<Envelope[]> evidence = new ArrayList<>();
            final TreeMap<Long, String> executed = new TreeMap<>();
            final TreeMap<Long, String> stable = new TreeMap<>();
            final TreeMap<Long, Long> changeStarted = new TreeMap<>();
            final TreeMap<Long, Long> entered = new TreeMap<>();
            String diverged;

            void count(String reason) {
                refusals.merge(reason, 1, Integer::sum);
            }

            int refused(String reason) {
                return refusals.getOrDefault(reason, 0);
            }

            @Override
            public void refused(String reason, String detail) {
                count(reason);
                lastDetail.put(reason, detail);
                if (System.getProperty("order.sim.trace") != null) {
                    System.out.println("node-" + index + " t=" + world.now() + " " + reason + " " + detail);
                }
            }

            @Override
            public void evidence(Envelope first, Envelope second) {
                evidence.add(new Envelope[] {first, second});
            }

            @Override
            public void executed(long seq, long view, List<OrderItem> items, List<Envelope> commits) {
                String digest = vote(commits.get(0)).digest();
                executed.put(seq, digest);
                if (tamper == null) {
                    String other = committed.putIfAbsent(seq, digest);
                    if (other != null && !other.equals(digest)) {
                        violations.add("seq " + seq + ": " + other + " and " + digest);
                    }
                }
            }

            @Override
            public void diverged(long seq, String ownDigest, String stableDigest) {
                diverged = seq + ": " + ownDigest + " vs " + stableDigest;
            }

            @Override
            public void viewChangeStarted(long view) {
                changeStarted.putIfAbsent(view, world.now());
            }

            @Override
            public void viewEntered(long view) {
                entered.putIfAbsent(view, world.now());
            }

            @Override
            public void stable(long seq, String stateDigest) {
                stable.put(seq, stateDigest);
            }
        }
    }

    /** A deterministic replicated state: a hash chain over the executed request ids. */
    static final class ChainState implements OrderState {
        final List<String> ids = new ArrayList<>();
        private String chain = Hashes.sha256("genesis".getBytes(StandardCharsets.UTF_8)).hex();

        @Override
        public void apply(long seq, long ts, List<OrderItem> items) {
            for (OrderItem item : items) {
                ids.add(item.requestId());
                chain = Hashes.sha256((chain + ":" + seq + ":" + item.requestId()).getBytes(StandardCharsets.UTF_8)).hex();
            }
        }

        @Override
        public String digest() {
            return chain;
        }
    }
}
