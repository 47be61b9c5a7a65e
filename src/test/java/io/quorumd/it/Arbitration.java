package io.quorumd.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.quorumd.arbiter.Dispute;
import io.quorumd.node.ControlClient;
import io.quorumd.node.QuorumNode;
import io.quorumd.wire.Decision;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Disputes driven the way an operator does: opens and votes over the control socket, rulings read back. */
final class Arbitration {
    private Arbitration() {
    }

    /** The outcome of one vote request that was not refused for a passing reason. */
    enum Voted {
        /** The control command answered OK: the vote is acknowledged. */
        OK,
        /** The node had voted already (before a kill) or the dispute was ruled: nothing new signed. */
        EARLIER
    }

    /**
     * Votes {@code decision} on {@code id} as {@code d}, retrying while the daemon is down or does not know the
     * dispute yet. Each attempt gives another reason, so a node that forgot an earlier vote would sign a
     * different one (and be caught).
     */
    static Voted vote(Daemon d, String id, Decision decision, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        for (int attempt = 1; System.nanoTime() < deadline; attempt++) {
            var req = ControlClient.request("dispute.vote");
            req.put("disputeId", id).put("decision", decision.code().toLowerCase(Locale.ROOT))
                    .put("reason", "attempt " + attempt);
            try {
                d.call(req);
                return Voted.OK;
            } catch (ControlClient.Refused r) {
                last = r.getMessage();
                if (last.contains("already voted") || last.contains("voting is closed")) {
                    return Voted.EARLIER;
                }
            } catch (IOException down) {
                last = down.getMessage();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // pacing: a restarting daemon has no event to await
        }
        throw new AssertionError(d.name() + " did not take a vote on " + id + " within " + timeout + ": " + last);
    }

    /** "STATUS/DECISION" of dispute {@code id} on a daemon, "unknown", or "down". */
    static String status(Daemon d, String id) {
        var req = ControlClient.request("dispute.show");
        req.put("disputeId", id);
        try {
            JsonNode r = d.call(req);
            return r.path("status").asText() + "/" + (r.path("decision").isTextual() ? r.path("decision").asText() : "-");
        } catch (ControlClient.Refused r) {
            return r.getMessage().contains("unknown") || r.getMessage().contains("no dispute") ? "unknown"
                    : "refused " + r.getMessage();
        } catch (IOException e) {
            return "down";
        }
    }

    /** "STATUS/DECISION" of dispute {@code id} on an in-process node, or "unknown". */
    static String status(QuorumNode n, String id) {
        try {
            return (String) n.ask("test", c -> c.arbiter().orElseThrow().dispute(id)
                    .map(x -> x.status() + "/" + x.decision().map(Decision::code).orElse("-")).orElse("unknown"))
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return "error " + e;
        }
    }

    /** Opens a dispute on an in-process node as its buyer; returns its id. */
    static String open(QuorumNode buyer, String subject, String seller) throws Exception {
        return (String) buyer.ask("test", c -> c.arbiter().orElseThrow().desk()
                .open(subject, buyer.name(), seller, 1500, "not delivered", List.of())).get(10, TimeUnit.SECONDS);
    }

    /** Votes {@code decision} on {@code id} as the in-process arbiter {@code n}. */
    static void vote(QuorumNode n, String id, Decision decision, String reason) throws Exception {
        n.ask("test", c -> {
            c.arbiter().orElseThrow().desk().vote(id, decision, reason);
            return Boolean.TRUE;
        }).get(10, TimeUnit.SECONDS);
    }

    /** Whether the in-process node {@code n} holds a signed ruling on {@code id}. */
    static boolean holdsRuling(QuorumNode n, String id) {
        try {
            return (Boolean) n.ask("test", c -> c.arbiter().orElseThrow().dispute(id)
                    .flatMap(Dispute::ruling).isPresent()).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return false;
        }
    }

    /** Waits until every in-process node rules {@code expected} on {@code id} and holds the signed ruling. */
    static void awaitRuled(Duration timeout, String id, Decision expected, List<QuorumNode> nodes)
            throws InterruptedException {
        String want = "RESOLVED/" + expected.code();
        Await.until(timeout, () -> nodes.stream().allMatch(n -> status(n, id).equals(want) && holdsRuling(n, id)),
                () -> id + ": " + nodes.stream().map(n -> n.name() + "=" + status(n, id)
                        + (holdsRuling(n, id) ? "" : "(no ruling held)")).toList());
    }

    /** Waits until every node rules {@code expected} on {@code id}. */
    static void awaitRuled(Duration timeout, String id, Decision expected, QuorumNode local, List<Daemon> daemons)
            throws InterruptedException {
        String want = "RESOLVED/" + expected.code();
        Await.until(timeout, () -> status(local, id).equals(want) && daemons.stream().allMatch(d -> status(d, id).equals(want)),
                () -> id + ": " + local.name() + "=" + status(local, id) + " " + daemons.stream()
                        .map(d -> d.name() + "=" + status(d, id)).toList());
    }
}
