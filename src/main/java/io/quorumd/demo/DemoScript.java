package io.quorumd.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.node.ControlClient;
import io.quorumd.node.QuorumNode;
import io.quorumd.wire.Role;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's scenario, driven through each node's control socket exactly as the CLI drives it: two
 * disputes (one ruled directly by the primaries, one that goes to the fallback arbiter first), while the
 * nodes checkpoint each other.
 */
final class DemoScript {
    private static final Logger LOG = LoggerFactory.getLogger(DemoScript.class);

    private final List<QuorumNode> nodes;
    private final long deadlineNanos;
    private final BooleanSupplier interrupted;
    private final List<String> primaries = new ArrayList<>();
    private String fallback;
    private int required;
    final List<String> disputeIds = new ArrayList<>();

    DemoScript(List<QuorumNode> nodes, long deadlineNanos, BooleanSupplier interrupted) {
        this.nodes = nodes;
        this.deadlineNanos = deadlineNanos;
        this.interrupted = interrupted;
        var roster = nodes.get(0).config().federation().roster();
        roster.members().stream().filter(m -> m.has(Role.ARBITER)).forEach(m -> primaries.add(m.name()));
        roster.members().stream().filter(m -> m.has(Role.FALLBACK_ARBITER)).findFirst().ifPresent(m -> fallback = m.name());
        required = nodes.get(0).config().arbiter().required();
    }

    static JsonNode call(QuorumNode node, ObjectNode request) throws IOException {
        try {
            return ControlClient.call(node.config().control().socket(), request);
        } catch (ControlClient.Refused e) {
            throw new IOException(node.name() + " refused " + request.path("cmd").asText() + ": " + e.getMessage(), e);
        }
    }

    private QuorumNode node(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }

    /** Waits for {@code condition} until the demo's deadline or an interrupt; false if it never held. */
    boolean await(String what, BooleanSupplier condition) throws InterruptedException {
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadlineNanos || interrupted.getAsBoolean()) {
                LOG.atWarn().addKeyValue("waiting_for", what).log(interrupted.getAsBoolean() ? "demo: interrupted"
                        : "demo: out of time");
                return false;
            }
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

    private boolean everywhere(String disputeId, String expected) {
        return nodes.stream().allMatch(n -> status(n, disputeId).equals(expected));
    }

    /** Opens a dispute as its buyer, the last node (never an arbiter), against the last primary arbiter. */
    private String open(String subject, String reason) throws IOException {
        QuorumNode opener = nodes.get(nodes.size() - 1);
        ObjectNode req = ControlClient.request("dispute.open");
        req.put("subject", subject).put("buyer", opener.name()).put("seller", primaries.get(primaries.size() - 1))
                .put("amount", 1500).put("reason", reason);
        String id = call(opener, req).path("disputeId").asText();
        disputeIds.add(id);
        LOG.atInfo().addKeyValue("dispute", id).addKeyValue("subject", subject).addKeyValue("opened_on", opener.name())
                .log("demo: dispute opened");
        return id;
    }

    /** Casts a vote through the arbiter's control socket; returns the dispute's status on that node after it. */
    private String vote(String arbiter, String disputeId, String side, String reason) throws IOException {
        ObjectNode req = ControlClient.request("dispute.vote");
        req.put("disputeId", disputeId).put("decision", side).put("reason", reason);
        JsonNode r = call(node(arbiter), req);
        LOG.atInfo().addKeyValue("arbiter", arbiter).addKeyValue("vote", side).addKeyValue("dispute", disputeId)
                .addKeyValue("now", r.path("status").asText()).log("demo: vote cast");
        return r.path("status").asText();
    }

    /** Dispute A: the first M primaries vote BUYER. */
    boolean directRuling() throws IOException, InterruptedException {
        String id = open("payment-A", "goods not delivered");
        if (!await("every node knows dispute A", () -> nodes.stream().noneMatch(n -> status(n, id).equals("unknown")))) {
            return false;
        }
        for (int i = 0; i < required; i++) {
            vote(primaries.get(i), id, "buyer", "no proof of delivery");
        }
        boolean ok = await("dispute A ruled on every node", () -> everywhere(id, "RESOLVED/BUYER"));
        LOG.atInfo().addKeyValue("dispute", id).addKeyValue("ruled_on_all", ok).log("demo: dispute A ruled BUYER");
        return ok;
    }

    /** Dispute B: the primaries split, the fallback arbiter is activated at the midpoint, then SELLER wins. */
    boolean fallbackRuling() throws IOException, InterruptedException {
        if (fallback == null) {
            LOG.info("demo: no fallback arbiter in this federation; skipping dispute B");
            return true;
        }
        String id = open("payment-B", "refund demanded after delivery");
        if (!await("every node knows dispute B", () -> nodes.stream().noneMatch(n -> status(n, id).equals("unknown")))) {
            return false;
        }
        vote(primaries.get(0), id, "seller", "delivery confirmed by carrier");
        vote(primaries.get(1), id, "buyer", "package was damaged");
        LOG.info("demo: dispute B is split; waiting for the midpoint, when its opener activates the fallback arbiter");
        if (!await("dispute B in FALLBACK", () -> everywhere(id, "FALLBACK"))) {
            return false;
        }
        // Each further SELLER vote goes through a node that already counted the ones before it.
        String now = vote(fallback, id, "seller", "damage not shown");
        for (int i = 2; i < primaries.size() && !now.equals("RESOLVED"); i++) {
            String previous = primaries.get(i - 1).equals(primaries.get(1)) ? fallback : primaries.get(i - 1);
            String voter = primaries.get(i);
            int before = votesOn(node(previous), id);
            await("votes reach " + voter, () -> votesOn(node(voter), id) >= before);
            now = vote(voter, id, "seller", "agree with the fallback arbiter");
        }
        boolean ok = await("dispute B ruled on every node", () -> everywhere(id, "RESOLVED/SELLER"));
        LOG.atInfo().addKeyValue("dispute", id).addKeyValue("ruled_on_all", ok).log("demo: dispute B ruled SELLER");
        return ok;
    }

    boolean checkpointsEverywhere() throws InterruptedException {
        int n = nodes.size();
        boolean ok = await("a checkpoint of every subject on every node",
                () -> nodes.stream().allMatch(x -> x.checkpoints().size() == n));
        LOG.atInfo().addKeyValue("subjects", n).addKeyValue("on_every_node", ok).log("demo: checkpoints");
        return ok;
    }
}
