package io.quorumd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.config.ConfigLoader;
import io.quorumd.config.FederationInit;
import io.quorumd.config.NodeIdentity;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.crypto.NodeKey;
import io.quorumd.node.QuorumNode;
import io.quorumd.presence.PeerState;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Heartbeat;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.RejectReason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Three nodes in one JVM on a real broker (embedded HiveMQ CE, or the one -Dquorumd.it.broker names). */
class PresenceIT {
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    static String brokerUrl;

    @RegisterExtension
    static final BeforeEachCallback BROKER = (ExtensionContext ctx) -> brokerUrl = TestBroker.url(ctx);

    @TempDir
    Path dir;

    private String prefix;
    private final List<QuorumNode> nodes = new ArrayList<>();
    private final List<NodeKey> keys = new ArrayList<>();

    @BeforeEach
    void startThreeNodes(TestInfo info) throws Exception {
        prefix = "quorumd-it/" + UUID.randomUUID().toString().substring(0, 8);
        var files = FederationInit.write(dir, new FederationInit.Options(3, brokerUrl, prefix, true), new SecureRandom());
        for (var f : files) {
            QuorumdConfig c = ConfigLoader.load(f.config());
            NodeKey key = NodeIdentity.load(c);
            keys.add(key);
            QuorumNode node = new QuorumNode(c, key, Clock.systemUTC());
            nodes.add(node);
            node.start();
        }
    }

    @AfterEach
    void stopNodesAndClearRetained() throws Exception {
        for (QuorumNode n : nodes) {
            n.stop(Duration.ofSeconds(3));
        }
        try (Raw raw = new Raw()) {
            for (NodeKey k : keys) {
                raw.client.publish(prefix + "/presence/" + k.nodeId(), new byte[0], 1, true);
            }
        }
    }

    /** A plain MQTT client, for injecting traffic no node would send. */
    private static final class Raw implements AutoCloseable {
        final MqttClient client;

        Raw() throws Exception {
            client = new MqttClient(brokerUrl, "quorumd-it-raw-" + UUID.randomUUID().toString().substring(0, 8),
                    new MemoryPersistence());
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(true);
            client.connect(o);
        }

        @Override
        public void close() throws org.eclipse.paho.client.mqttv3.MqttException {
            client.disconnect();
            client.close();
        }
    }

    private String onlineCounts() {
        return nodes.stream().map(n -> n.name() + "=" + n.peersOnline()).collect(Collectors.joining(", "))
                + " on " + TestBroker.describe();
    }

    private void awaitAllOnline() throws InterruptedException {
        Await.until(DEADLINE, () -> nodes.stream().allMatch(n -> n.peersOnline() == 2), this::onlineCounts);
    }

    @Test
    void threeNodesSeeEachOtherOnline() throws Exception {
        awaitAllOnline();
        for (QuorumNode n : nodes) { // federation init made new keys: their first ledgers began free
            assertFalse(java.nio.file.Files.exists(NodeKey.unusedMarker(n.config().node().keyFile())),
                    "the unused-key marker goes once the first ledger holds its first entries");
        }
        for (QuorumNode n : nodes) {
            assertTrue(n.connected());
            for (QuorumNode other : nodes) {
                if (other != n) {
                    assertEquals(PeerState.Status.ONLINE, n.peers().get(other.id()).status());
                }
            }
        }
    }

    @Test
    void forgedTamperedAndOversizedHeartbeatsAreRejectedWithDistinctReasons() throws Exception {
        awaitAllOnline();
        NodeKey stranger = NodeKey.generate(new SecureRandom());
        var strangerBeat = new EnvelopeSigner(stranger, Clock.systemUTC())
                .sign(MessageType.PRESENCE_HEARTBEAT, new Heartbeat(1, 1));
        ObjectNode tampered = new EnvelopeSigner(keys.get(0), Clock.systemUTC())
                .sign(MessageType.PRESENCE_HEARTBEAT, new Heartbeat(5, 5)).toJson();
        ((ObjectNode) tampered.get("body")).put("seq", 6);
        byte[] oversized = new byte[70 * 1024];
        java.util.Arrays.fill(oversized, (byte) ' ');
        try (Raw raw = new Raw()) {
            raw.client.publish(prefix + "/presence/" + stranger.nodeId(), strangerBeat.encode(), 1, false);
            raw.client.publish(prefix + "/presence/" + keys.get(0).nodeId(),
                    tampered.toString().getBytes(StandardCharsets.UTF_8), 1, false);
            raw.client.publish(prefix + "/presence/" + keys.get(0).nodeId(), oversized, 1, false);
        }
        for (QuorumNode n : nodes.subList(1, 3)) {
            Await.until(DEADLINE, () -> n.metrics().rejects(RejectReason.UNKNOWN_SENDER) == 1
                    && n.metrics().rejects(RejectReason.BAD_SIGNATURE) == 1
                    && n.metrics().rejects(RejectReason.OVERSIZED) == 1, () -> n.metrics().rejectSummary());
            // each bad message counted once under its own wire reason and under no other; the summary
            // may also carry protocol-level counts ("duplicate" after a QoS 1 redelivery of an honest beat)
            for (RejectReason r : RejectReason.values()) {
                long expected = switch (r) {
                    case OVERSIZED, UNKNOWN_SENDER, BAD_SIGNATURE -> 1;
                    default -> 0;
                };
                assertEquals(expected, n.metrics().rejects(r), r + " in " + n.metrics().rejectSummary());
            }
            assertEquals(2, n.peersOnline(), "rejected traffic changes no state");
        }
    }

    @Test
    void stoppedNodeIsSeenOfflineByThePeers() throws Exception {
        awaitAllOnline();
        QuorumNode leaving = nodes.get(2);
        leaving.stop(Duration.ofSeconds(3));
        for (QuorumNode n : nodes.subList(0, 2)) {
            Await.until(DEADLINE, () -> n.peers().get(leaving.id()).status() == PeerState.Status.OFFLINE,
                    this::onlineCounts);
        }
    }

    @Test
    void killedNodeIsSeenOfflineWithinOneAndAHalfKeepAlives() throws Exception {
        awaitAllOnline();
        QuorumNode victim = nodes.get(1);
        long keepAliveMs = victim.config().mqtt().keepAlive().toMillis();
        long t0 = System.nanoTime();
        victim.kill();
        for (QuorumNode n : List.of(nodes.get(0), nodes.get(2))) {
            Await.until(Duration.ofMillis(keepAliveMs * 3 / 2 + 2000),
                    () -> n.peers().get(victim.id()).status() == PeerState.Status.OFFLINE, this::onlineCounts);
        }
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(tookMs < keepAliveMs * 3 / 2 + 2000, "took " + tookMs + " ms");
    }

    @Test
    void quorumdLoggingConfigurationIsInForceNextToHiveMq() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        var appender = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("console");
        assertInstanceOf(OutputStreamAppender.class, appender, "quorumd's console appender is attached");
        var encoder = ((OutputStreamAppender<?>) appender).getEncoder();
        assertTrue(((PatternLayoutEncoder) encoder).getPattern().contains("%kvp{NONE}"));
        assertEquals(ch.qos.logback.classic.Level.WARN, ctx.getLogger("com.hivemq").getLevel());
    }
}
