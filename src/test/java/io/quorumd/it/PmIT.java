package io.quorumd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.config.FederationInit;
import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.ledger.ScanResult;
import io.quorumd.node.ControlClient;
import io.quorumd.node.QuorumNode;
import io.quorumd.wire.Json;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Micropayments between four daemons on a real broker, driven through their control sockets as an operator would
 * (`federation init --fast` turns pm on): node-1 funds its account and pays node-2; node-2 credits the EV, claims
 * its winners after their params expire and is paid by ordered redemption; every node reads the same balances,
 * node-2's earnings equal its settled winners' face values, and every ledger verifies in full.
 */
class PmIT {
    static String brokerUrl;

    @RegisterExtension
    static final BeforeEachCallback BROKER = (ExtensionContext ctx) -> brokerUrl = TestBroker.url(ctx);

    @TempDir
    Path dir;

    private static JsonNode control(QuorumNode n, String cmd, ObjectNode args) {
        ObjectNode req = ControlClient.request(cmd);
        args.properties().forEach(e -> req.set(e.getKey(), e.getValue()));
        try {
            return ControlClient.call(n.config().control().socket(), req);
        } catch (Exception e) {
            return Json.object().put("error", String.valueOf(e.getMessage()));
        }
    }

    private static String balance(QuorumNode on, String of) {
        JsonNode b = control(on, "pm.balance", Json.object().put("node", of));
        return b.path("deposit").asText() + "/" + b.path("reserve").asText() + "/" + b.path("earned").asText() + "/"
                + b.path("paid").asText() + "/" + b.path("shortfall").asText();
    }

    @Test
    void aFundedMemberPaysAnotherAndEveryNodeSettlesTheWinnersAlike() throws Exception {
        var files = FederationInit.write(dir, new FederationInit.Options(4, brokerUrl,
                "quorumd-it/pm-" + UUID.randomUUID().toString().substring(0, 8), true), new SecureRandom());
        List<QuorumNode> nodes = new ArrayList<>();
        try {
            for (var f : files) {
                nodes.add(LabNodes.startOne(f.config()));
            }
            QuorumNode one = nodes.get(0);
            QuorumNode two = nodes.get(1);
            Await.until(Duration.ofSeconds(30), () -> nodes.stream().allMatch(n -> n.peersOnline() == 3),
                    () -> "peers online: " + nodes.stream().map(n -> n.name() + "=" + n.peersOnline()).toList());
            assertTrue(control(one, "pm.fund", Json.object().put("deposit", 100000).put("reserve", 60000)).has("requestId"));
            Await.until(Duration.ofSeconds(30), () -> nodes.stream().allMatch(n -> balance(n, "node-1").startsWith("100000/60000/")),
                    () -> "funding: " + nodes.stream().map(n -> balance(n, "node-1")).toList() + " on " + TestBroker.describe());

            control(one, "pm.pay", Json.object().put("to", "node-2").put("ev", 10000));
            Await.until(Duration.ofSeconds(30), () -> received(two) >= 10000,
                    () -> "node-2 received " + received(two) + ", node-1 paying " + control(one, "pm.paying",
                            Json.object().put("to", "node-2")) + " on " + TestBroker.describe());
            JsonNode paying = control(one, "pm.paying", Json.object().put("to", "node-2"));
            assertEquals(1000, paying.path("tickets").asLong(), "EV 10 a ticket: " + paying);

            Await.until(Duration.ofSeconds(60), () -> {
                JsonNode t = control(two, "pm.tickets", Json.object()).path("tickets");
                boolean allSettled = true;
                for (JsonNode x : t) {
                    allSettled &= x.path("state").asText().equals("settled");
                }
                return allSettled && sameBalances(nodes);
            }, () -> "node-2's winners: " + control(two, "pm.tickets", Json.object()) + "; balances "
                    + nodes.stream().map(n -> balance(n, "node-2")).toList());
            long face = 0;
            JsonNode settled = control(two, "pm.tickets", Json.object().put("state", "settled")).path("tickets");
            for (JsonNode x : settled) {
                face += x.path("faceValue").asLong();
            }
            assertTrue(settled.size() > 0, "1000 tickets at 1/100 won nothing (p = 4.5e-5)");
            for (QuorumNode n : nodes) {
                assertEquals(String.valueOf(face), control(n, "pm.balance", Json.object().put("node", "node-2")).path("earned")
                        .asText(), n.name() + ": node-2 earned the face value of its settled winners");
            }
        } finally {
            for (QuorumNode n : nodes) {
                n.stop(Duration.ofSeconds(3));
            }
        }
        for (QuorumNode n : nodes) {
            ScanResult r = LedgerScanner.scan(Ledger.directory(n.config().node().dataDir()), new FullVerifier()::visit);
            assertTrue(r.intact(), n.name() + ": " + r);
        }
    }

    private static long received(QuorumNode two) {
        for (JsonNode r : control(two, "pm.received", Json.object().put("from", "node-1")).path("received")) {
            return Long.parseLong(r.path("ev").asText("0"));
        }
        return 0;
    }

    private static boolean sameBalances(List<QuorumNode> nodes) {
        return nodes.stream().map(n -> balance(n, "node-1") + "|" + balance(n, "node-2")).collect(Collectors.toSet()).size() == 1;
    }
}
