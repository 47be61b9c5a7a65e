package io.quorumd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.config.ConfigLoader;
import io.quorumd.config.FederationInit;
import io.quorumd.config.NodeIdentity;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.crypto.NodeKey;
import io.quorumd.ledger.BootRecord;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.EntryVisitor;
import io.quorumd.ledger.Ledger;
import io.quorumd.node.QuorumNode;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.DisputeRuling;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Json;
import io.quorumd.wire.MessageType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new node catches up on 10,000 rulings a peer holds, through a real broker: pages asked one at a time, so
 * the broker never queues more than a page for it (HiveMQ CE drops QoS 1 messages beyond 1,000 queued for
 * one subscriber). Nothing is lost.
 */
class SyncFloodIT {
    private static final int DECISIONS = 10_000;
    static String brokerUrl;

    @RegisterExtension
    static final BeforeEachCallback BROKER = (ExtensionContext ctx) -> brokerUrl = TestBroker.url(ctx);

    @TempDir
    Path dir;

    @Test
    void aNewNodeCatchesUpOnTenThousandRulingsAndLosesNone() throws Exception {
        var files = FederationInit.write(dir, new FederationInit.Options(5, brokerUrl,
                "quorumd-it/flood-" + UUID.randomUUID().toString().substring(0, 8), true), new SecureRandom());
        List<NodeKey> keys = new ArrayList<>();
        for (var f : files) {
            keys.add(NodeKey.read(f.keyFile()));
        }
        QuorumdConfig holderConfig = ConfigLoader.load(files.get(0).config());
        writeRulings(holderConfig, keys);
        QuorumNode holder = new QuorumNode(holderConfig, NodeIdentity.load(holderConfig), Clock.systemUTC());
        QuorumNode fresh = null;
        try {
            holder.start();
            assertEquals(DECISIONS, disputes(holder), "the holder replayed what it stored");
            fresh = LabNodes.startOne(files.get(1).config());
            QuorumNode newcomer = fresh;
            Await.until(Duration.ofSeconds(180), () -> disputes(newcomer) == DECISIONS,
                    () -> "the newcomer holds " + disputes(newcomer) + " of " + DECISIONS);
            assertEquals(0, newcomer.metrics().queueDrops());
            assertFalse(newcomer.caughtUp(), "caught up takes whole sessions of f + 1 = 2 peers; only the holder is online");
        } finally {
            if (fresh != null) {
                fresh.close();
            }
            holder.close();
        }
    }

    private static int disputes(QuorumNode n) {
        try {
            return (Integer) n.ask("count", c -> (int) c.arbiter().orElseThrow().disputes().stream()
                    .filter(d -> d.ruling().isPresent()).count()).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            return -1;
        }
    }

    /** node-1's ledger, as if it had lived through 10,000 disputes ruled by node-1…node-3 (M = 3 of 4). */
    private static void writeRulings(QuorumdConfig c, List<NodeKey> keys) throws Exception {
        Clock clock = Clock.systemUTC();
        long now = clock.millis();
        var a = c.arbiter();
        List<EnvelopeSigner> signers = keys.stream().map(k -> new EnvelopeSigner(k, clock)).toList();
        Files.createDirectories(c.node().dataDir());
        try (Ledger ledger = Ledger.open(c.node().dataDir(), keys.get(0), clock, c.ledger().segmentBytes(),
                c.ledger().fsync(), EntryVisitor.NONE)) {
            ledger.append(EntryKind.BOOT, new BootRecord(c.node().name(), keys.get(0).publicKey(), c.federation().roster(),
                    c.checkpoint().minVoters(), new BootRecord.Policy(a.required(), a.votingTimeout().toMillis(),
                    a.fallbackExtension().toMillis(), c.federation().clockSkew().toMillis()), "test", now).toJson());
            for (int i = 0; i < DECISIONS; i++) {
                long at = now - 1000 + i % 1000;
                DisputeOpen open = new DisputeOpen("pay-" + i, keys.get(4).nodeId(), keys.get(3).nodeId(), i, "late",
                        List.of(), at);
                Envelope openEnv = signers.get(4).signAt(MessageType.DISPUTE_OPEN, open, at);
                List<Envelope> votes = new ArrayList<>();
                for (int v = 0; v < 3; v++) {
                    votes.add(signers.get(v).signAt(MessageType.DISPUTE_VOTE,
                            new DisputeVote(open.disputeId(), Decision.BUYER, "ok", at + 1), at + 1));
                }
                Envelope ruling = signers.get(0).signAt(MessageType.DISPUTE_RULING,
                        new DisputeRuling(openEnv, Optional.empty(), Decision.BUYER, votes), at + 2);
                ObjectNode data = Json.object();
                data.put("disputeId", open.disputeId());
                data.set("envelope", ruling.toJson());
                ledger.append(EntryKind.RULING, data);
                if (i % 500 == 499) {
                    ledger.commit();
                }
            }
            ledger.commit();
        }
    }
}
