package io.quorumd.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.config.ConfigException;
import io.quorumd.node.ControlClient;
import io.quorumd.node.QuorumNode;
import io.quorumd.node.StartupException;
import io.quorumd.node.TwinException;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ruling delivered to a node that was away (DESIGN §13): dispute C is opened, its seller's node stops, the primaries
 * rule while it is down, and the node is started again from its config and data directory as `quorumd run` would
 * be. It must come to hold the ruling by itself, by whichever path reaches it first (the broker's queue for its
 * persistent session, the publisher's responder re-sending what a returning peer has not acknowledged, catch-up sync
 * at boot), and its acknowledgement must reach the publisher's responder.
 */
final class DemoDelivery {
    private static final Logger LOG = LoggerFactory.getLogger(DemoDelivery.class);

    private final DemoScript script;
    private final Path dataDir;
    /** The summary's line, once the node came back with the ruling. */
    String summary;

    DemoDelivery(DemoScript script, Path dataDir) {
        this.script = script;
        this.dataDir = dataDir;
    }

    /** The responder tracker of dispute {@code id}'s ruling on whichever node published it, or null. */
    private JsonNode tracker(String id) {
        for (QuorumNode n : script.nodes) {
            try {
                ObjectNode list = ControlClient.request("responder.list");
                list.put("state", "all");
                for (JsonNode t : DemoScript.call(n, list)) {
                    if (t.path("id").asText().startsWith("ruling:" + id)) {
                        ObjectNode show = ControlClient.request("responder.show");
                        show.put("id", t.path("id").asText());
                        ObjectNode shown = (ObjectNode) DemoScript.call(n, show);
                        shown.put("publisher", n.name());
                        return shown;
                    }
                }
            } catch (IOException e) {
                // a node that cannot answer has no tracker to show
            }
        }
        return null;
    }

    private boolean acked(String id, String by) {
        JsonNode t = tracker(id);
        return t != null && t.path("acks").has(by);
    }

    DemoScript.Result rulingWhileAway() throws IOException, InterruptedException {
        List<QuorumNode> nodes = script.nodes;
        int n = nodes.size();
        String awayName = script.seller();
        String id = script.open("payment-C", "wrong item delivered");
        if (!script.known("C", id)) {
            return new DemoScript.Result(false, "dispute C: not known on every node");
        }
        int at = nodes.indexOf(script.node(awayName));
        script.stages.progress("dispute C opened; " + awayName + " (its seller) stops");
        nodes.get(at).stop(Duration.ofSeconds(3));
        long down = System.nanoTime();
        LOG.atInfo().addKeyValue("node", awayName).log("demo: node stopped; dispute C will be ruled while it is away");
        List<QuorumNode> running = nodes.stream().filter(x -> !x.name().equals(awayName)).toList();
        for (String arbiter : script.firstPrimaries()) {
            script.vote(arbiter, id, "buyer", "the wrong item was delivered");
        }
        boolean ruled = script.await("dispute C ruled on every running node", () -> "dispute C: ruled BUYER on "
                + running.stream().filter(x -> script.status(x, id).equals("RESOLVED/BUYER")).count() + "/" + (n - 1)
                + " running nodes; " + awayName + " is away",
                () -> running.stream().allMatch(x -> script.status(x, id).equals("RESOLVED/BUYER")));
        if (!ruled) {
            restart(at, awayName);
            return new DemoScript.Result(false, "dispute C: not ruled on every running node");
        }
        script.stages.progress("dispute C ruled; " + awayName + " starts again");
        QuorumNode back = restart(at, awayName);
        long up = System.nanoTime();
        boolean holds = script.await(awayName + " holds the ruling", () -> awayName + " is back; has it the ruling of dispute C? "
                + script.status(back, id), () -> script.status(back, id).equals("RESOLVED/BUYER"));
        long caughtMs = (System.nanoTime() - up) / 1_000_000;
        boolean ack = holds && script.await("the ruling's publisher has " + awayName + "'s ack",
                () -> awayName + " holds the ruling; its acknowledgement on its way to the publisher", () -> acked(id, awayName));
        JsonNode t = tracker(id);
        String publisher = t == null ? "?" : t.path("publisher").asText();
        LOG.atInfo().addKeyValue("node", awayName).addKeyValue("holds", holds).addKeyValue("acked", ack)
                .addKeyValue("after_ms", caughtMs).log("demo: ruling delivered to the node that was away");
        summary = "delivery: dispute C ruled BUYER while " + awayName + " was down for " + seconds((up - down) / 1_000_000)
                + "; " + (holds ? "it held the ruling " + seconds(caughtMs) + " after its restart" : "it never received the ruling")
                + (ack ? " and acknowledged it to " + publisher + "'s responder (held by " + t.path("copies").asInt()
                + " members)" : "");
        return new DemoScript.Result(holds && ack, "dispute C (payment-C): ruled while " + awayName + " was stopped; restarted,"
                + " it received the ruling " + seconds(caughtMs) + " later"
                + (ack ? " and acked it to " + publisher : ""));
    }

    private static String seconds(long millis) {
        return String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    /** Starts the node named {@code name} again from its config and data, in place {@code at} of the node list. */
    private QuorumNode restart(int at, String name) throws IOException {
        Path file = dataDir.resolve(name).resolve("quorumd.yaml");
        try {
            return DemoScript.startNode(file, script.clock, node -> script.nodes.set(at, node));
        } catch (ConfigException | GeneralSecurityException | StartupException | TwinException e) {
            throw new IOException("restarting " + name + " from " + file + " failed: " + e.getMessage(), e);
        }
    }
}
