package io.quorumd.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.ledger.ScanResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the nodes signed, gathered from every ledger (read by the production scanner with full signature
 * checks) and from what a bystander received on the broker, and the two promises checked against it: no
 * arbiter signed two different votes for one dispute, and every signed message that left its signer's
 * process (a peer or the bystander holds it, or a control command answered OK for it) is in the signer's
 * own ledger.
 */
final class SignedFacts {
    /** Message types a node records in its ledger before it publishes them. */
    static final Set<String> LEDGERED = Set.of("arbiter.open", "arbiter.vote", "arbiter.fallback", "arbiter.ruling",
            "checkpoint.proposal", "checkpoint.vote", "checkpoint.final");

    private final Map<String, String> names = new HashMap<>();
    private final Map<String, Set<String>> own = new HashMap<>();
    private final Map<String, ObjectNode> everything = new LinkedHashMap<>();
    private final Map<String, String> where = new HashMap<>();
    private final Map<String, Set<String>> ownVotes = new HashMap<>();
    private final List<String[]> acknowledgedVotes = new ArrayList<>();

    /** Reads {@code dataDir}'s ledger in full; returns the scan (intact, or torn tail, or corruption). */
    ScanResult addLedger(String name, String nodeId, Path dataDir) throws IOException {
        names.put(nodeId, name);
        Set<String> mine = own.computeIfAbsent(nodeId, k -> new HashSet<>());
        Set<String> votes = ownVotes.computeIfAbsent(nodeId, k -> new HashSet<>());
        FullVerifier full = new FullVerifier();
        return LedgerScanner.scan(Ledger.directory(dataDir), (entry, payload) -> {
            Optional<String> bad = full.visit(entry, payload);
            JsonNode env = entry.data().get("envelope");
            if (bad.isEmpty() && env instanceof ObjectNode e) {
                boolean signedHere = entry.kind() == EntryKind.SIGNED || entry.kind() == EntryKind.RULING
                        || entry.kind() == EntryKind.CHECKPOINT;
                if (signedHere && nodeId.equals(e.path("from").asText())) {
                    mine.add(e.path("sig").asText());
                    if (e.path("type").asText().equals("arbiter.vote")) {
                        votes.add(e.path("body").path("disputeId").asText());
                    }
                }
                see(e, name + "'s ledger");
            }
            return bad;
        });
    }

    void addWire(List<ObjectNode> envelopes) {
        envelopes.forEach(e -> see(e, "the broker"));
    }

    /** A control command answered OK for {@code nodeId}'s vote on {@code disputeId}. */
    void voteAcknowledged(String nodeId, String disputeId) {
        acknowledgedVotes.add(new String[] {nodeId, disputeId});
    }

    private void see(ObjectNode e, String source) {
        String sig = e.path("sig").asText();
        if (everything.putIfAbsent(sig, e) == null) {
            where.put(sig, source);
        }
        if (e.path("type").asText().equals("arbiter.ruling")) {
            JsonNode body = e.path("body");
            if (body.get("open") instanceof ObjectNode o) {
                see(o, source + " (inside a ruling)");
            }
            if (body.get("fallback") instanceof ObjectNode f) {
                see(f, source + " (inside a ruling)");
            }
            body.path("votes").forEach(v -> {
                if (v instanceof ObjectNode vo) {
                    see(vo, source + " (inside a ruling)");
                }
            });
        }
    }

    /** Signed messages of a node whose ledger was read, seen outside it, that its ledger lacks. */
    List<String> lost() {
        List<String> lost = new ArrayList<>();
        everything.forEach((sig, e) -> {
            String from = e.path("from").asText();
            if (own.containsKey(from) && LEDGERED.contains(e.path("type").asText()) && !own.get(from).contains(sig)) {
                lost.add(names.get(from) + " " + e.path("type").asText() + " seen in " + where.get(sig) + ": " + e);
            }
        });
        for (String[] ack : acknowledgedVotes) {
            if (!ownVotes.getOrDefault(ack[0], Set.of()).contains(ack[1])) {
                lost.add(names.get(ack[0]) + " vote on " + ack[1] + " answered OK but missing from its ledger");
            }
        }
        return lost;
    }

    /** (arbiter, dispute) pairs with two or more different signatures on a vote, anywhere: the signatures. */
    Map<String, Set<String>> doubleVotes() {
        Map<String, Set<String>> byKey = new TreeMap<>();
        everything.forEach((sig, e) -> {
            if (e.path("type").asText().equals("arbiter.vote")) {
                String key = names.getOrDefault(e.path("from").asText(), e.path("from").asText()) + " on "
                        + e.path("body").path("disputeId").asText();
                byKey.computeIfAbsent(key, k -> new HashSet<>()).add(sig);
            }
        });
        byKey.values().removeIf(s -> s.size() < 2);
        return byKey;
    }

    /** Signed messages seen, of the ledgered types. */
    long ledgeredSeen() {
        return everything.values().stream().filter(e -> LEDGERED.contains(e.path("type").asText())).count();
    }

    long votesSeen() {
        return everything.values().stream().filter(e -> e.path("type").asText().equals("arbiter.vote")).count();
    }

    int acknowledgedVotes() {
        return acknowledgedVotes.size();
    }
}
