package io.quorumd.node;

import io.quorumd.wire.RejectReason;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/** Counters shared by the MQTT edge and the loop; safe to update and read from any thread. */
public final class NodeMetrics {
    private static final org.slf4j.Logger STATS = org.slf4j.LoggerFactory.getLogger(NodeCore.class);

    private final LongAdder messagesIn = new LongAdder();
    private final LongAdder messagesOut = new LongAdder();
    private final LongAdder queueDrops = new LongAdder();
    private final Map<RejectReason, LongAdder> rejects = new EnumMap<>(RejectReason.class);
    private final Map<String, LongAdder> protocolRejects = new ConcurrentHashMap<>();

    public NodeMetrics() {
        for (RejectReason r : RejectReason.values()) {
            rejects.put(r, new LongAdder());
        }
    }

    void received() {
        messagesIn.increment();
    }

    void sent() {
        messagesOut.increment();
    }

    void queueDropped() {
        queueDrops.increment();
    }

    void rejected(RejectReason reason) {
        rejects.get(reason).increment();
    }

    void protocolRejected(String reason) {
        protocolRejects.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    /** Messages dropped by a machine's rules (stale vote, equivocation, invalid final…), by reason. */
    public long protocolRejects(String reason) {
        LongAdder a = protocolRejects.get(reason);
        return a == null ? 0 : a.sum();
    }

    public long messagesIn() {
        return messagesIn.sum();
    }

    public long messagesOut() {
        return messagesOut.sum();
    }

    public long queueDrops() {
        return queueDrops.sum();
    }

    public long rejects(RejectReason reason) {
        return rejects.get(reason).sum();
    }

    /** "bad_signature:1,unknown_sender:2,stale_vote:1" (wire rejects, then protocol rejects), or "none". */
    public String rejectSummary() {
        String wire = rejects.entrySet().stream().filter(e -> e.getValue().sum() > 0)
                .map(e -> e.getKey().code() + ":" + e.getValue().sum()).collect(Collectors.joining(","));
        String protocol = new TreeMap<>(protocolRejects).entrySet().stream()
                .map(e -> e.getKey() + ":" + e.getValue().sum()).collect(Collectors.joining(","));
        String s = wire.isEmpty() ? protocol : protocol.isEmpty() ? wire : wire + "," + protocol;
        return s.isEmpty() ? "none" : s;
    }

    /** The periodic stats line of {@code core}. */
    static void logStats(NodeCore core, long fsyncP99Micros) {
        NodeMetrics metrics = core.metrics();
        STATS.atInfo().addKeyValue("in", metrics.messagesIn()).addKeyValue("out", metrics.messagesOut())
                .addKeyValue("rejects", metrics.rejectSummary()).addKeyValue("queue_drops", metrics.queueDrops())
                .addKeyValue("peers_online", core.presence().onlineCount() + "/" + (core.roster().size() - 1))
                .addKeyValue("checkpoints", core.checkpoints().latest().size())
                .addKeyValue("disputes_open", core.arbiter().map(a -> a.openCount()).orElse(0L))
                .addKeyValue("ledger_entries", core.ledger().entries()).addKeyValue("ledger_bytes", core.ledger().bytes())
                .addKeyValue("fsync_p99_us", fsyncP99Micros).log("stats");
    }
}
