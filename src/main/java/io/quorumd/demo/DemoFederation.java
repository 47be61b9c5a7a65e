package io.quorumd.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.KeyFileException;
import io.quorumd.crypto.NodeKey;
import io.quorumd.node.QuorumNode;
import io.quorumd.order.RosterOp;
import io.quorumd.wire.Json;
import io.quorumd.wire.Role;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's ordered roster change (DESIGN §12), driven as `quorumd federation propose add` and `federation endorse`
 * drive it: node-1 asks to admit the spare member `federation init` wrote (its key signs the proof of possession),
 * other members endorse until the request has the endorsements it needs, the replicas order it, and every node
 * switches to the next epoch with the new member in its roster. The spare is only admitted, not started.
 */
final class DemoFederation {
    private static final Logger LOG = LoggerFactory.getLogger(DemoFederation.class);

    private final DemoScript script;
    private final Path spareKey;
    private final String spareName;
    /** The summary's line, once the change executed everywhere. */
    String summary;

    DemoFederation(DemoScript script, Path dataDir) {
        this.script = script;
        this.spareName = "node-" + (script.nodes.size() + 1);
        this.spareKey = dataDir.resolve(spareName).resolve("node.key");
    }

    /** Ordering runs with 4 replicas or more; `federation init` writes a spare member then. */
    boolean possible() {
        return script.nodes.size() >= 4 && Files.exists(spareKey);
    }

    private static JsonNode show(QuorumNode n) {
        try {
            return DemoScript.ask(n, "federation.show", null);
        } catch (IOException e) {
            return Json.object();
        }
    }

    /** The request as {@code n} lists it among those pending, or null. */
    private static JsonNode pending(QuorumNode n, String requestId) {
        try {
            for (JsonNode r : DemoScript.ask(n, "federation.requests", null).path("requests")) {
                if (r.path("requestId").asText().equals(requestId)) {
                    return r;
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    private long inEpoch(long epoch, int members) {
        return script.nodes.stream().map(DemoFederation::show)
                .filter(s -> s.path("epoch").asLong(-1) == epoch && s.path("roster").size() == members).count();
    }

    DemoScript.Result admit() throws IOException, InterruptedException {
        List<QuorumNode> nodes = script.nodes;
        int n = nodes.size();
        NodeKey key;
        try {
            key = NodeKey.read(spareKey);
        } catch (KeyFileException e) {
            return new DemoScript.Result(false, "roster change: cannot read " + spareKey + ": " + e.getMessage());
        }
        QuorumNode requester = nodes.get(0);
        JsonNode before = show(requester);
        long epoch = before.path("epoch").asLong();
        int members = before.path("roster").size();
        RosterOp.Proof proof = RosterOp.Proof.sign(key, RosterOp.ADD, epoch, spareName, script.clock.millis());
        ObjectNode propose = Json.object();
        propose.put("op", RosterOp.ADD);
        propose.set("args", RosterOp.addArgs(spareName, key.publicKey(), Set.of(Role.VOTER), proof.pop()));
        propose.put("requestedAt", proof.at());
        String id = DemoScript.ask(requester, "federation.propose", propose).path("requestId").asText();
        LOG.atInfo().addKeyValue("request", id).addKeyValue("member", spareName).log("demo: roster change proposed");
        // The requester's own request counts as its endorsement; `needed` is how many others must endorse.
        int endorsed = 0;
        int needed = n;
        for (int k = 1; k < n && endorsed < needed; k++) {
            QuorumNode endorser = nodes.get(k);
            int sofar = endorsed + 1;
            if (!script.await(endorser.name() + " sees request " + id, () -> "roster: admitting " + spareName + ", endorsed by "
                    + sofar + "; waiting for " + endorser.name() + " to see the request", () -> pending(endorser, id) != null)) {
                break;
            }
            needed = pending(endorser, id).path("needed").asInt(n);
            DemoScript.ask(endorser, "federation.endorse", Json.object().put("requestId", id));
            endorsed++;
        }
        int endorsements = endorsed + 1;
        boolean ok = script.await("every node in epoch " + (epoch + 1), () -> "roster: " + spareName + " endorsed by "
                + endorsements + " of " + members + "; in the new roster on " + inEpoch(epoch + 1, members + 1) + "/" + n,
                () -> inEpoch(epoch + 1, members + 1) == n);
        JsonNode after = show(requester);
        long seq = -1;
        for (JsonNode e : DemoScript.ask(requester, "federation.log", null).path("entries")) {
            if (e.path("requestId").asText().equals(id) && e.path("status").asText().equals("ok")) {
                seq = e.path("seq").asLong();
            }
        }
        Set<String> digests = nodes.stream().map(x -> show(x).path("stateDigest").asText()).collect(Collectors.toSet());
        ok &= seq > 0 && digests.size() == 1;
        LOG.atInfo().addKeyValue("request", id).addKeyValue("seq", seq).addKeyValue("epoch", after.path("epoch").asLong())
                .addKeyValue("on_all", ok).log("demo: roster change executed");
        summary = "roster: " + spareName + " admitted at seq " + seq + ", endorsed by " + endorsements + " of " + members
                + " members, committed by a quorum of " + after.path("q").asInt() + " of " + after.path("n").asInt()
                + " replicas; epoch " + after.path("epoch").asLong() + " (" + after.path("roster").size()
                + " members), one state digest on " + inEpoch(epoch + 1, members + 1) + "/" + n + " nodes";
        return new DemoScript.Result(ok, "roster change: " + spareName + " admitted through ordering (" + endorsements + " of "
                + members + " endorsed, committed at seq " + seq + "); epoch " + after.path("epoch").asLong() + " on "
                + inEpoch(epoch + 1, members + 1) + "/" + n + " nodes");
    }
}
