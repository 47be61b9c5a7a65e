package io.quorumd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.config.FederationInit;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeKey;
import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.ledger.ScanResult;
import io.quorumd.node.ControlClient;
import io.quorumd.node.QuorumNode;
import io.quorumd.order.RosterOp;
import io.quorumd.wire.Json;
import io.quorumd.wire.Role;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Four replicas in one JVM on a real broker, driven through their control sockets as an operator would:
 * admit a fifth member with endorsements, restart a node, expel the member again; every node ends at the
 * same epoch and state, and every ledger verifies in full across the epochs.
 */
class OrderingIT {
    static String brokerUrl;

    @RegisterExtension
    static final BeforeEachCallback BROKER = (ExtensionContext ctx) -> brokerUrl = TestBroker.url(ctx);

    @TempDir
    Path dir;

    private static JsonNode control(QuorumNode n, String cmd, ObjectNode args) throws Exception {
        ObjectNode req = ControlClient.request(cmd);
        if (args != null) {
            args.properties().forEach(e -> req.set(e.getKey(), e.getValue()));
        }
        return ControlClient.call(n.config().control().socket(), req);
    }

    private static JsonNode show(QuorumNode n) {
        try {
            return control(n, "federation.show", null);
        } catch (Exception e) {
            return Json.object().put("error", String.valueOf(e.getMessage()));
        }
    }

    private static String propose(QuorumNode n, String op, ObjectNode args, long requestedAt) throws Exception {
        ObjectNode a = Json.object();
        a.put("op", op);
        a.set("args", args);
        a.put("requestedAt", requestedAt);
        return control(n, "federation.propose", a).path("requestId").asText();
    }

    private static void endorse(List<QuorumNode> by, String requestId) throws Exception {
        for (QuorumNode n : by) {
            Await.until(Duration.ofSeconds(10), () -> pending(n, requestId), () -> n.name() + " never saw " + requestId);
            control(n, "federation.endorse", Json.object().put("requestId", requestId));
        }
    }

    private static boolean pending(QuorumNode n, String requestId) {
        try {
            for (JsonNode r : control(n, "federation.requests", null).path("requests")) {
                if (r.path("requestId").asText().equals(requestId)) {
                    return true;
                }
            }
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean logged(QuorumNode n, String requestId) {
        try {
            for (JsonNode e : control(n, "federation.log", null).path("entries")) {
                if (e.path("requestId").asText().equals(requestId)) {
                    return true;
                }
            }
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    private static void awaitEpoch(List<QuorumNode> nodes, long epoch, int members) throws InterruptedException {
        Await.until(Duration.ofSeconds(60), () -> nodes.stream().map(OrderingIT::show).allMatch(s ->
                        s.path("epoch").asLong() == epoch && s.path("roster").size() == members),
                () -> nodes.stream().map(n -> n.name() + "=" + show(n).path("epoch").asText("?") + "/"
                        + show(n).path("lastExecuted").asText("?") + " rej=" + n.metrics().rejectSummary())
                        .collect(Collectors.joining(", ")) + " on " + TestBroker.describe());
    }

    @Test
    void anOperatorAdmitsAndExpelsAMemberAndEveryNodeAgreesAcrossARestart() throws Exception {
        var files = FederationInit.write(dir, new FederationInit.Options(4, brokerUrl,
                "quorumd-it/order-" + UUID.randomUUID().toString().substring(0, 8), true), new SecureRandom());
        Path spare = dir.resolve("node-5");
        NodeKey fifth = NodeKey.read(spare.resolve("node.key"));
        List<QuorumNode> nodes = new ArrayList<>();
        QuorumNode five = null;
        try {
            for (var f : files) {
                nodes.add(LabNodes.startOne(f.config()));
            }
            awaitEpoch(nodes, 0, 4);
            Await.until(Duration.ofSeconds(30), () -> nodes.stream().allMatch(n -> n.peersOnline() == 3),
                    () -> "peers online: " + nodes.stream().map(n -> n.name() + "=" + n.peersOnline()).toList());

            long at = System.currentTimeMillis();
            Bytes pop = fifth.sign(RosterOp.popMessage(RosterOp.ADD, 0, "node-5", fifth.publicKey(), at));
            String add = propose(nodes.get(0), RosterOp.ADD, RosterOp.addArgs("node-5", fifth.publicKey(),
                    Set.of(Role.VOTER), pop), at);
            endorse(nodes.subList(1, 3), add);
            awaitEpoch(nodes, 1, 5);
            Set<String> digests = nodes.stream().map(n -> show(n).path("stateDigest").asText()).collect(Collectors.toSet());
            assertEquals(1, digests.size(), "one state after the add: " + digests);
            assertEquals(1, nodes.stream().map(n -> show(n).path("startSeq").asLong()).distinct().count());

            // the spare starts from what node-1 exports, follows, and executes what is ordered after it joined
            java.nio.file.Files.writeString(spare.resolve("anchor.json"), control(nodes.get(0), "federation.export", null)
                    .toPrettyString());
            five = LabNodes.startOne(spare.resolve("quorumd.yaml"));
            QuorumNode joined = five;
            awaitEpoch(List.of(joined), 1, 5);
            assertEquals("follower", show(joined).path("role").asText());
            Await.until(Duration.ofSeconds(30), () -> joined.peersOnline() == 4, () -> "node-5 sees " + joined.peersOnline());
            String probe = propose(nodes.get(2), RosterOp.NOOP, Json.object().put("note", "after node-5 joined"), 0);
            Await.until(Duration.ofSeconds(30), () -> logged(joined, probe), () -> "node-5 never executed " + probe);

            nodes.get(1).stop(Duration.ofSeconds(3));
            nodes.set(1, LabNodes.startOne(files.get(1).config()));
            awaitEpoch(nodes, 1, 5);
            Await.until(Duration.ofSeconds(30), () -> nodes.get(1).peersOnline() == 4, () -> "node-2 reconnecting");
            Await.until(Duration.ofSeconds(30), () -> show(nodes.get(1)).path("stateDigest").asText()
                            .equals(show(nodes.get(0)).path("stateDigest").asText()),
                    () -> "the restarted node's state differs: " + show(nodes.get(1)) + " vs " + show(nodes.get(0)));
            assertTrue(logged(nodes.get(1), add), "the restarted node's federation log still lists the add");

            String remove = propose(nodes.get(0), RosterOp.REMOVE, RosterOp.removeArgs(fifth.nodeId()), 0);
            endorse(nodes.subList(1, 4), remove); // ⌈10/3⌉ = 4 of 5: the requester and three others
            awaitEpoch(nodes, 2, 4);
            Await.until(Duration.ofSeconds(30), () -> show(joined).path("epoch").asLong() == 2,
                    () -> "node-5 did not follow its removal");
            JsonNode log = control(nodes.get(3), "federation.log", null).path("entries");
            assertTrue(log.size() >= 1, "node-4 lists the executed changes: " + log);
        } finally {
            if (five != null) {
                five.stop(Duration.ofSeconds(3));
            }
            for (QuorumNode n : nodes) {
                n.stop(Duration.ofSeconds(3));
            }
        }
        for (QuorumNode n : nodes) {
            FullVerifier full = new FullVerifier();
            ScanResult r = LedgerScanner.scan(Ledger.directory(n.config().node().dataDir()), full::visit);
            assertTrue(r.intact(), n.name() + ": " + r);
        }
    }
}
