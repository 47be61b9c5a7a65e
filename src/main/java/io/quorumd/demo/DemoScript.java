package io.quorumd.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.config.ConfigException;
import io.quorumd.config.ConfigLoader;
import io.quorumd.config.NodeIdentity;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.node.ControlClient;
import io.quorumd.node.QuorumNode;
import io.quorumd.node.StartupException;
import io.quorumd.node.TwinException;
import io.quorumd.wire.Role;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's dispute scenario, driven through each node's control socket exactly as the CLI drives it: disputes (one
 * ruled directly by the primaries, one that goes to the fallback arbiter first), while the nodes checkpoint each
 * other. Every wait shows how far it got on {@link DemoStages#progress}.
 */
final class DemoScript {
    private static final Logger LOG = LoggerFactory.getLogger(DemoScript.class);

    /** How a stage ended: {@code line} is its finished line, or what is missing when not {@code ok}. */
    record Result(boolean ok, String line) {
    }

    final List<QuorumNode> nodes;
    final DemoStages stages;
    /** The nodes' clock, for the times they sign and the countdowns to them. */
    final Clock clock;
    private final long deadlineNanos;
    private final BooleanSupplier interrupted;
    private final List<String> primaries = new ArrayList<>();
    private String fallback;
    private final int required;
    final List<String> disputeIds = new ArrayList<>();
    private String disputeB;
    /** When the first node started: each node proposes its first checkpoint one interval after its first boot. */
    long firstBootMillis;

    DemoScript(List<QuorumNode> nodes, DemoStages stages, Clock clock, long deadlineNanos, BooleanSupplier interrupted) {
        this.nodes = nodes;
        this.stages = stages;
        this.clock = clock;
        this.deadlineNanos = deadlineNanos;
        this.interrupted = interrupted;
        var roster = nodes.get(0).config().federation().roster();
        roster.members().stream().filter(m -> m.has(Role.ARBITER)).forEach(m -> primaries.add(m.name()));
        roster.members().stream().filter(m -> m.has(Role.FALLBACK_ARBITER)).findFirst().ifPresent(m -> fallback = m.name());
        required = nodes.get(0).config().arbiter().required();
    }

    /**
     * Starts a node from its config file on {@code clock}; {@code register} gets it before it starts, so a caller
     * can stop it even if starting fails.
     */
    static QuorumNode startNode(Path configFile, Clock clock, java.util.function.Consumer<QuorumNode> register)
            throws IOException, ConfigException, GeneralSecurityException, StartupException, TwinException {
        QuorumdConfig config = ConfigLoader.load(configFile);
        QuorumNode node = new QuorumNode(config, NodeIdentity.load(config), clock);
        register.accept(node);
        node.start();
        return node;
    }

    /** Asks {@code n} for {@code cmd} with the fields of {@code args} (or none, if null). */
    static JsonNode ask(QuorumNode n, String cmd, ObjectNode args) throws IOException {
        ObjectNode req = ControlClient.request(cmd);
        if (args != null) {
            args.properties().forEach(e -> req.set(e.getKey(), e.getValue()));
        }
        return call(n, req);
    }

    static JsonNode call(QuorumNode node, ObjectNode request) throws IOException {
        try {
            return ControlClient.call(node.config().control().socket(), request);
        } catch (ControlClient.Refused e) {
            throw new IOException(node.name() + " refused " + request.path("cmd").asText() + ": " + e.getMessage(), e);
        }
    }

    QuorumNode node(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }

    boolean hasArbiters() {
        return !primaries.isEmpty();
    }

    boolean hasFallback() {
        return fallback != null;
    }

    /** The seller of every demo dispute: the last primary arbiter, who never votes in the demo's own disputes. */
    String seller() {
        return primaries.get(primaries.size() - 1);
    }

    /** The first M primaries, who rule for the buyer. */
    List<String> firstPrimaries() {
        return primaries.subList(0, required);
    }

    /**
     * Waits for {@code condition} until the demo's deadline or an interrupt, showing {@code status} as it goes;
     * false if it never held.
     */
    boolean await(String what, Supplier<String> status, BooleanSupplier condition) throws InterruptedException {
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadlineNanos || interrupted.getAsBoolean()) {
                LOG.atWarn().addKeyValue("waiting_for", what).log(interrupted.getAsBoolean() ? "demo: interrupted"
                        : "demo: out of time");
                return false;
            }
            stages.progress(status.get());
            synchronized (this) {
                wait(100);
            }
        }
        return true;
    }

    /** A node's {@code dispute show} answer, or null if it cannot give one (yet). */
    static JsonNode show(QuorumNode n, String disputeId) {
        ObjectNode req = ControlClient.request("dispute.show");
        req.put("disputeId", disputeId);
        try {
            return call(n, req);
        } catch (IOException e) {
            return null;
        }
    }

    String status(QuorumNode n, String disputeId) {
        JsonNode r = show(n, disputeId);
        return r == null ? "unknown"
                : r.path("status").asText() + (r.path("decision").isNull() ? "" : "/" + r.path("decision").asText());
    }

    private int votesOn(QuorumNode n, String disputeId) {
        JsonNode r = show(n, disputeId);
        return r == null ? -1 : r.path("votes").size();
    }

    long holding(String disputeId, String expected) {
        return nodes.stream().filter(n -> status(n, disputeId).equals(expected)).count();
    }

    private long knowing(String disputeId) {
        return nodes.stream().filter(n -> !status(n, disputeId).equals("unknown")).count();
    }

    private String of(long k) {
        return k + "/" + nodes.size();
    }

    /** Opens a dispute as its buyer, the last node (never an arbiter), against the last primary arbiter. */
    String open(String subject, String reason) throws IOException {
        QuorumNode opener = nodes.get(nodes.size() - 1);
        ObjectNode req = ControlClient.request("dispute.open");
        req.put("subject", subject).put("buyer", opener.name()).put("seller", seller())
                .put("amount", 1500).put("reason", reason);
        String id = call(opener, req).path("disputeId").asText();
        disputeIds.add(id);
        LOG.atInfo().addKeyValue("dispute", id).addKeyValue("subject", subject).addKeyValue("opened_on", opener.name())
                .log("demo: dispute opened");
        return id;
    }

    /** Waits until every node knows the dispute {@code label} opened as {@code id}. */
    boolean known(String label, String id) throws InterruptedException {
        return await("every node knows dispute " + label, () -> "dispute " + label + " opened; known on " + of(knowing(id)),
                () -> knowing(id) == nodes.size());
    }

    /** Casts a vote through the arbiter's control socket; returns the dispute's status on that node after it. */
    String vote(String arbiter, String disputeId, String side, String reason) throws IOException {
        ObjectNode req = ControlClient.request("dispute.vote");
        req.put("disputeId", disputeId).put("decision", side).put("reason", reason);
        JsonNode r = call(node(arbiter), req);
        LOG.atInfo().addKeyValue("arbiter", arbiter).addKeyValue("vote", side).addKeyValue("dispute", disputeId)
                .addKeyValue("now", r.path("status").asText()).log("demo: vote cast");
        return r.path("status").asText();
    }

    /** The first M primaries vote BUYER on {@code id}; true once every running node holds the ruling. */
    boolean ruleForBuyer(String label, String id, String reason) throws IOException, InterruptedException {
        for (int i = 0; i < required; i++) {
            vote(primaries.get(i), id, "buyer", reason);
        }
        return await("dispute " + label + " ruled on every node",
                () -> "dispute " + label + ": " + required + " votes for the buyer; ruled on " + of(holding(id, "RESOLVED/BUYER")),
                () -> holding(id, "RESOLVED/BUYER") == nodes.size());
    }

    /** Dispute A: the first M primaries vote BUYER. */
    Result directRuling() throws IOException, InterruptedException {
        String id = open("payment-A", "goods not delivered");
        if (!known("A", id)) {
            return new Result(false, "dispute A: known on " + of(knowing(id)) + " nodes");
        }
        boolean ok = ruleForBuyer("A", id, "no proof of delivery");
        LOG.atInfo().addKeyValue("dispute", id).addKeyValue("ruled_on_all", ok).log("demo: dispute A ruled BUYER");
        return new Result(ok, "dispute A (payment-A): " + required + " of " + primaries.size()
                + " primaries voted for the buyer; ruling BUYER on " + of(holding(id, "RESOLVED/BUYER")) + " nodes");
    }

    /** Dispute B, first half: opened, and the first two primaries split, so no ruling is possible yet. */
    Result splitDispute() throws IOException, InterruptedException {
        String id = open("payment-B", "refund demanded after delivery");
        disputeB = id;
        if (!known("B", id)) {
            return new Result(false, "dispute B: known on " + of(knowing(id)) + " nodes");
        }
        vote(primaries.get(0), id, "seller", "delivery confirmed by carrier");
        vote(primaries.get(1), id, "buyer", "package was damaged");
        LOG.info("demo: dispute B is split; waiting for the midpoint, when its opener activates the fallback arbiter");
        return new Result(true, "dispute B (payment-B): primaries split 1-1; the rest stay silent until the midpoint");
    }

    /** Dispute B at its midpoint: the opener's node activates the fallback arbiter, every node agrees. */
    Result fallbackActivated() throws InterruptedException {
        JsonNode shown = show(nodes.get(0), disputeB);
        long midpoint = shown == null ? 0 : shown.path("midpoint").asLong();
        boolean ok = await("dispute B in FALLBACK", () -> {
            long in = Math.max(0, midpoint - clock.millis()) / 1000;
            long k = holding(disputeB, "FALLBACK");
            return k == 0 ? "dispute B: midpoint in " + in + " s, then its opener activates the fallback arbiter"
                    : "dispute B: fallback active on " + of(k);
        }, () -> holding(disputeB, "FALLBACK") == nodes.size());
        return new Result(ok, "fallback activated: dispute B's opener called " + fallback + " in at the midpoint; FALLBACK on "
                + of(holding(disputeB, "FALLBACK")) + " nodes");
    }

    /** Dispute B after activation: the fallback arbiter and further primaries vote SELLER until M agree. */
    Result fallbackRuling() throws IOException, InterruptedException {
        String id = disputeB;
        // Each further SELLER vote goes through a node that already counted the ones before it.
        String now = vote(fallback, id, "seller", "damage not shown");
        int sellers = 2;
        for (int i = 2; i < primaries.size() && !now.equals("RESOLVED"); i++) {
            String previous = primaries.get(i - 1).equals(primaries.get(1)) ? fallback : primaries.get(i - 1);
            String voter = primaries.get(i);
            int before = votesOn(node(previous), id);
            await("votes reach " + voter, () -> "dispute B: votes reaching " + voter, () -> votesOn(node(voter), id) >= before);
            now = vote(voter, id, "seller", "agree with the fallback arbiter");
            sellers++;
        }
        boolean ok = await("dispute B ruled on every node",
                () -> "dispute B: ruled SELLER on " + of(holding(id, "RESOLVED/SELLER")),
                () -> holding(id, "RESOLVED/SELLER") == nodes.size());
        LOG.atInfo().addKeyValue("dispute", id).addKeyValue("ruled_on_all", ok).log("demo: dispute B ruled SELLER");
        return new Result(ok, "dispute B ruled SELLER: " + sellers + " votes for the seller, the fallback arbiter's"
                + " among them; same ruling on " + of(holding(id, "RESOLVED/SELLER")) + " nodes");
    }

    /** Subjects whose latest checkpoint every node holds. */
    private long checkpointed() {
        return nodes.get(0).config().federation().roster().members().stream()
                .filter(m -> nodes.stream().allMatch(x -> x.checkpoints().containsKey(m.nodeId()))).count();
    }

    Result checkpointsEverywhere() throws InterruptedException {
        int n = nodes.size();
        long due = firstBootMillis + Demo.CHECKPOINT_INTERVAL.toMillis();
        boolean ok = await("a checkpoint of every subject on every node", () -> {
            long in = (due - clock.millis() + 999) / 1000;
            return "checkpoints " + of(checkpointed()) + (in > 0 ? ": the first proposal is due in " + in + " s"
                    : ": proposed, peers voting");
        }, () -> checkpointed() == n);
        LOG.atInfo().addKeyValue("subjects", n).addKeyValue("on_every_node", ok).log("demo: checkpoints");
        return new Result(ok, "checkpoints " + of(checkpointed()) + ": each node's uptime attested by its peers' signed"
                + " votes, held by every node");
    }
}
