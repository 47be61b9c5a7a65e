package io.quorumd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.NodeKey;
import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.CheckpointTuple;
import io.quorumd.wire.CheckpointVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeCodec;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.MessageLimits;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.Topics;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.paho.client.mqttv3.MqttTopic;
import org.junit.jupiter.api.Test;

/** Configs that `config check` accepts and that cannot work at run time. */
class ConfigLimitsTest {
    private static final Path SOURCE = Path.of("/etc/quorumd/quorumd.yaml");

    private static NodeKey key(int i) {
        byte[] s = new byte[32];
        s[0] = (byte) i;
        s[1] = (byte) (i >> 8);
        s[2] = 1;
        return NodeKey.fromSeed(s);
    }

    private static String yaml(int members, String mqttExtra, String checkpoint) {
        StringBuilder roster = new StringBuilder();
        for (int i = 0; i < members; i++) {
            roster.append("    - name: n").append(i + 1).append("\n      publicKey: ").append(key(i).publicKey().base64())
                    .append("\n      roles: [voter").append(i < 3 ? ", arbiter" : "").append("]\n");
        }
        return "node:\n  name: n1\nmqtt:\n  url: tcp://127.0.0.1:1883\n" + mqttExtra
                + "federation:\n  name: lab\n  roster:\n" + roster + "checkpoint:\n" + checkpoint + "arbiter:\n  required: 2\n";
    }

    private static QuorumdConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, SOURCE, Map.<String, String>of()::get);
    }

    private static void assertRefused(String yaml, String path, String fragment) {
        List<ConfigProblem> problems = assertThrows(ConfigException.class, () -> parse(yaml)).problems();
        assertTrue(problems.stream().anyMatch(p -> p.path().equals(path) && p.message().contains(fragment)),
                path + ": " + fragment + " in " + problems);
    }

    /** Responder periods shorter than its tick: no backoff at all, or trackers that expire before a retry. */
    @Test
    void responderPeriodsShorterThanItsTickAreRefused() throws Exception {
        String base = yaml(4, "", "  minVoters: 2\n");
        assertRefused(base + "responder:\n  tick: 30s\n  backoffMax: 10s\n", "responder.backoffMax", "responder.tick");
        assertRefused(base + "responder:\n  tick: 30s\n  keepFor: 45s\n", "responder.keepFor", "first retry");
        QuorumdConfig ok = parse(base + "responder:\n  tick: 30s\n  backoffMax: 30s\n  keepFor: 90s\n");
        assertEquals(30, ok.responder().backoffMax().toSeconds());
    }

    /** '+' in the prefix: every subscription filter would be invalid for Paho, which throws at subscribe. */
    @Test
    void aTopicPrefixWithAWildcardIsRefused() throws Exception {
        for (String prefix : List.of("lab/fed+1", "lab/#", "lab//x", "/lab", "lab/")) {
            assertRefused(yaml(4, "  topicPrefix: \"" + prefix + "\"\n", "  minVoters: 2\n"), "mqtt.topicPrefix", prefix);
        }
        QuorumdConfig ok = parse(yaml(4, "  topicPrefix: lab/fed-1\n", "  minVoters: 2\n"));
        Topics t = new Topics(ok.mqtt().topicPrefix());
        for (String filter : t.subscriptions(ok.self().nodeId())) {
            MqttTopic.validate(filter, true); // what config check accepts, Paho accepts
        }
    }

    /**
     * 201 members, minVoters 200: a final must carry 200 vote envelopes, over 64 KiB, so every peer's gate
     * would refuse every final as oversized. The largest quorum that fits is accepted; measured on a real
     * final, the bound holds.
     */
    @Test
    void aQuorumWhoseDecisionCannotFitAMessageIsRefused() throws Exception {
        assertRefused(yaml(201, "", "  minVoters: 200\n  maxSignatures: 200\n"), "checkpoint.maxSignatures", "bytes");
        int fits = 1;
        while (MessageLimits.checkpointFinalBytes(fits + 1) <= EnvelopeCodec.MAX_BYTES) {
            fits++;
        }
        parse(yaml(fits + 1, "", "  minVoters: " + fits + "\n  maxSignatures: " + fits + "\n"));
        assertRefused(yaml(fits + 2, "", "  minVoters: " + (fits + 1) + "\n  maxSignatures: " + (fits + 1) + "\n"),
                "checkpoint.maxSignatures", "bytes");
        NodeKey subject = key(0);
        CheckpointTuple t = new CheckpointTuple(subject.nodeId().hex(), 1_800_000_000_000L, 3, 86_400, 1_800_000_000L, "", 1);
        List<Envelope> votes = new ArrayList<>();
        for (int i = 1; i <= fits; i++) {
            votes.add(new EnvelopeSigner(key(i), Clock.systemUTC()).sign(MessageType.CHECKPOINT_VOTE,
                    new CheckpointVote("0".repeat(32), true, t)));
        }
        int size = new EnvelopeSigner(subject, Clock.systemUTC()).sign(MessageType.CHECKPOINT_FINAL,
                new CheckpointFinal(t, votes, Optional.empty())).encode().length;
        assertTrue(size <= MessageLimits.checkpointFinalBytes(fits) && size <= EnvelopeCodec.MAX_BYTES,
                size + " bytes for a real final of " + fits + " votes");
    }

    @Test
    void anArbiterQuorumWhoseRulingCannotFitAMessageIsRefused() throws Exception {
        int fits = 1;
        while (MessageLimits.rulingBytes(fits + 1) <= EnvelopeCodec.MAX_BYTES) {
            fits++;
        }
        assertEquals(17, fits, "the bounds on texts and evidence allow rulings of up to 17 votes");
        String many = yaml(20, "", "  minVoters: 2\n").replace("roles: [voter]", "roles: [voter, arbiter]");
        parse(many.replace("required: 2", "required: 17"));
        assertRefused(many.replace("required: 2", "required: 18"), "arbiter.required", "bytes");
    }

    /** The worst new view of 31 replicas at window 8 is over 60 KiB; at window 4 it fits (wave2 §13 size check). */
    @Test
    void anOrderingWindowWhoseNewViewCannotFitAMessageIsRefused() throws Exception {
        String replicas = yaml(31, "", "  minVoters: 2\n").replace("roles: [voter", "roles: [replica, voter");
        assertRefused(replicas + "order:\n  window: 8\n", "order.window", "60 KiB");
        assertTrue(ConfigChecks.worstNewView(31, 8) > 60 * 1024);
        QuorumdConfig fits = parse(replicas + "order:\n  window: 4\n  checkpointEvery: 2\n");
        assertEquals(4, fits.order().window());
        parse(replicas + "order:\n  enabled: off\n");
    }

    @Test
    void orderingSettingsThatContradictEachOtherAreRefusedByPath() throws Exception {
        String base = yaml(4, "", "  minVoters: 2\n");
        assertRefused(base + "order:\n  enabled: on\n", "order.enabled", "0 replicas");
        assertRefused(base + "order:\n  window: 6\n  checkpointEvery: 4\n", "order.window", "twice");
        assertRefused(base + "order:\n  viewTimeout: 1h\n", "order.requestTtl", "twice order.viewTimeout");
        assertRefused(base + "order:\n  viewTimeout: 10m\n  viewTimeoutMax: 5m\n", "order.viewTimeoutMax", "at least");
        assertRefused(base + "order:\n  enabled: maybe\n", "order.enabled", "maybe");
        assertEquals(QuorumdConfig.OrderMode.AUTO, parse(base).order().mode());
    }
}
