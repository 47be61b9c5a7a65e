package io.quorumd.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeKey;
import io.quorumd.order.OrderParams;
import io.quorumd.order.ReplicaSet;
import io.quorumd.order.RosterOp;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Json;
import io.quorumd.wire.Member;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderItem;
import io.quorumd.wire.OrderRequest;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import io.quorumd.wire.Topics;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * PBFT ordering of {@code noop} requests by n {@link BenchReplica}s (one JVM, one broker, default
 * {@link OrderParams}): a closed loop keeps {@code outstanding} requests in flight, signed by client members
 * that are not replicas, until {@code requests} are committed. A request counts as committed when q
 * replicas have executed it; its latency runs from just before its publication to that moment, and the run
 * lasts from the first publication to the last commit. Each client member keeps at most
 * {@link #CLIENT_WINDOW} requests outstanding, half the {@value OrderParams#MAX_PENDING_PER_MEMBER} a
 * replica holds pending per member, so a replica lagging behind the q that count never refuses one. Every
 * run uses a fresh topic prefix and fresh connections, and stops everything it started.
 */
public final class OrderBench {
    /** Outstanding requests per client member. */
    public static final int CLIENT_WINDOW = 8;
    /** A run that commits nothing for this long is stuck, not slow. */
    static final Duration STALL = Duration.ofSeconds(30);
    /** How long after the last commit a run waits for every replica to have executed every request. */
    static final Duration CATCH_UP = Duration.ofSeconds(10);

    /**
     * One run at n replicas: requests published, committed (executed at q replicas), seqs executed, and how long
     * after the last commit the slowest replica had executed every request ({@code -1}: not within
     * {@link #CATCH_UP}).
     */
    public record Run(int n, int q, int requests, int committed, long seqs, double seconds, double perSecond, double p50Ms,
                      double p95Ms, double cpuSeconds, long caughtUpMs, long viewChanges, Map<String, Long> refusals) {
        /** Cores this JVM kept busy while the run lasted (replicas, client, and the broker if embedded). */
        public double cpuCores() {
            return cpuSeconds / seconds;
        }

        /** CPU milliseconds this JVM spent per committed request. */
        public double cpuMsPerRequest() {
            return cpuSeconds * 1e3 / committed;
        }
    }

    private final String brokerUrl;
    private final int requests;
    private final int outstanding;
    private final OrderParams params = OrderParams.defaults();
    private final Clock clock;

    public OrderBench(String brokerUrl, int requests, int outstanding, Clock clock) {
        if (requests < 1 || outstanding < 1) {
            throw new IllegalArgumentException("requests and outstanding must be at least 1");
        }
        this.brokerUrl = brokerUrl;
        this.requests = requests;
        this.outstanding = outstanding;
        this.clock = clock;
    }

    /** Client members signing the requests: enough for {@code outstanding} at {@link #CLIENT_WINDOW} each. */
    public int clients() {
        return (outstanding + CLIENT_WINDOW - 1) / CLIENT_WINDOW;
    }

    public OrderParams params() {
        return params;
    }

    public Run run(int n) throws MqttException, InterruptedException {
        if (n < 4 || n > 64) {
            throw new IllegalArgumentException("replicas must be 4 to 64, not " + n);
        }
        String runId = UUID.randomUUID().toString().substring(0, 8);
        Topics topics = new Topics("quorumd-bench/order/" + runId);
        List<NodeKey> replicaKeys = keys(n, 7);
        replicaKeys.sort(Comparator.comparing(k -> k.nodeId().hex()));
        List<NodeKey> clientKeys = keys(clients(), 8);
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            members.add(new Member("replica-" + i, replicaKeys.get(i).publicKey(), Set.of(Role.VOTER, Role.REPLICA)));
        }
        for (int c = 0; c < clientKeys.size(); c++) {
            members.add(new Member("client-" + c, clientKeys.get(c).publicKey(), Set.of(Role.VOTER)));
        }
        ReplicaSet set = new ReplicaSet(0, new Roster(members));
        Tracker tracker = new Tracker(n, set.q());
        List<BenchReplica> replicas = new ArrayList<>();
        MqttAsyncClient submitter = null;
        try {
            for (int i = 0; i < n; i++) {
                replicas.add(new BenchReplica(i, replicaKeys.get(i), set, params, clock, topics, brokerUrl,
                        "qdb-" + runId + "-r" + i, tracker, tracker::fail));
            }
            replicas.forEach(BenchReplica::start);
            submitter = new MqttAsyncClient(brokerUrl, "qdb-" + runId + "-c", new MemoryPersistence());
            submitter.connect(BenchReplica.options()).waitForCompletion(10_000);
            long cpuBefore = cpuNanos();
            drive(submitter, topics, clientKeys, runId, tracker);
            tracker.cpu = cpuNanos() - cpuBefore;
            tracker.everywhere.await(CATCH_UP.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            replicas.forEach(BenchReplica::disconnect);
            if (submitter != null) {
                close(submitter);
            }
            replicas.forEach(BenchReplica::close);
        }
        long[] sorted = Arrays.copyOf(tracker.latencies, requests);
        Arrays.sort(sorted);
        double seconds = (tracker.lastCommit.get() - tracker.begin) / 1e9;
        Map<String, Long> refusals = new TreeMap<>();
        replicas.forEach(r -> r.refusals().forEach((k, v) -> refusals.merge(k, v, Long::sum)));
        long caughtUpMs = tracker.everywhere.getCount() > 0 ? -1
                : Math.max(0, (tracker.lastEverywhere.get() - tracker.lastCommit.get()) / 1_000_000);
        return new Run(n, set.q(), requests, tracker.committed.get(), tracker.seqs.get(), seconds, requests / seconds,
                Stats.percentile(sorted, 50) / 1e6, Stats.percentile(sorted, 95) / 1e6, tracker.cpu / 1e9, caughtUpMs,
                replicas.stream().mapToLong(BenchReplica::viewChanges).sum(), refusals);
    }

    /** Publishes requests as lanes free up, until every request is committed; fails on a stall or a failure. */
    private void drive(MqttAsyncClient submitter, Topics topics, List<NodeKey> clientKeys, String runId, Tracker tracker)
            throws MqttException, InterruptedException {
        List<EnvelopeSigner> signers = clientKeys.stream().map(k -> new EnvelopeSigner(k, clock)).toList();
        for (int i = 0; i < outstanding; i++) {
            tracker.free.add(i % signers.size());
        }
        int submitted = 0;
        long lastProgress = System.nanoTime();
        int lastCommitted = 0;
        tracker.begin = System.nanoTime();
        while (tracker.committed.get() < requests) {
            Integer lane = tracker.free.poll(200, TimeUnit.MILLISECONDS);
            if (tracker.failure.get() != null) {
                throw new IllegalStateException(tracker.failure.get().getMessage(), tracker.failure.get().getCause());
            }
            int committed = tracker.committed.get();
            if (committed != lastCommitted) {
                lastCommitted = committed;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > STALL.toNanos()) {
                throw new IllegalStateException(committed + " of " + requests + " requests committed, none for "
                        + STALL.toSeconds() + " s (" + submitted + " published)");
            }
            if (lane == null || submitted == requests) {
                continue;
            }
            ObjectNode args = Json.object();
            args.put("note", "bench " + runId + " request " + submitted);
            Envelope request = signers.get(lane).sign(MessageType.ORDER_REQUEST,
                    new OrderRequest(0, RosterOp.NOOP, args, clock.millis()));
            tracker.submitted(request, lane);
            submitter.publish(topics.orderPropose(), request.encode(), 1, false);
            submitted++;
        }
    }

    private static List<NodeKey> keys(int count, int tag) {
        List<NodeKey> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] seed = new byte[32];
            seed[0] = (byte) (i + 1);
            seed[1] = (byte) tag;
            seed[2] = 'q';
            keys.add(NodeKey.fromSeed(seed));
        }
        return keys;
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static void close(MqttAsyncClient c) {
        try {
            if (c.isConnected()) {
                c.disconnect(1_000).waitForCompletion(2_000);
            }
            c.close(true);
        } catch (MqttException e) {
            // the figures are taken
        }
    }

    /** Which replicas executed each outstanding request; the q-th execution commits it and frees its lane. */
    private final class Tracker implements BenchReplica.Executed {
        private record Outstanding(int lane, long publishedAt, AtomicLong executedBy) {
        }

        private final int n;
        private final int q;
        private final Map<Bytes, Outstanding> inFlight = new ConcurrentHashMap<>();
        final BlockingQueue<Integer> free = new LinkedBlockingQueue<>();
        final long[] latencies = new long[requests];
        final AtomicInteger committed = new AtomicInteger();
        final AtomicLong lastCommit = new AtomicLong();
        final CountDownLatch everywhere = new CountDownLatch(requests);
        final AtomicLong lastEverywhere = new AtomicLong();
        final AtomicLong seqs = new AtomicLong();
        final AtomicReference<IllegalStateException> failure = new AtomicReference<>();
        volatile long begin;
        long cpu;

        Tracker(int n, int q) {
            this.n = n;
            this.q = q;
        }

        void submitted(Envelope request, int lane) {
            inFlight.put(request.sig(), new Outstanding(lane, System.nanoTime(), new AtomicLong()));
        }

        @Override
        public void executed(int replica, long seq, List<OrderItem> items) {
            seqs.accumulateAndGet(seq, Math::max);
            long now = System.nanoTime();
            long bit = 1L << replica;
            for (OrderItem item : items) {
                Outstanding o = inFlight.get(item.request().sig());
                if (o == null) {
                    continue;
                }
                long before = o.executedBy().getAndUpdate(x -> x | bit);
                if ((before & bit) != 0) {
                    continue;
                }
                int count = Long.bitCount(before) + 1;
                if (count == q) {
                    int i = committed.getAndIncrement();
                    if (i < latencies.length) {
                        latencies[i] = now - o.publishedAt();
                    }
                    lastCommit.accumulateAndGet(now, Math::max);
                    free.add(o.lane());
                }
                if (count == n) {
                    inFlight.remove(item.request().sig());
                    lastEverywhere.accumulateAndGet(now, Math::max);
                    everywhere.countDown();
                }
            }
        }

        void fail(String what, Throwable cause) {
            failure.compareAndSet(null, new IllegalStateException(what + (cause == null ? "" : ": " + cause), cause));
        }
    }
}
