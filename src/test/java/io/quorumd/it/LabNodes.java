package io.quorumd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.checkpoint.CheckpointValidator;
import io.quorumd.checkpoint.StoredCheckpoint;
import io.quorumd.config.ConfigLoader;
import io.quorumd.config.NodeIdentity;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.node.QuorumNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Starting a real node from a config file written by `federation init`, as `quorumd run` does. */
final class LabNodes {
    private static final Pattern MQTT_URL = Pattern.compile("(?m)^  url: .*$");

    private LabNodes() {
    }

    static QuorumNode startOne(Path configFile) throws Exception {
        QuorumdConfig c = ConfigLoader.load(configFile);
        QuorumNode n = new QuorumNode(c, NodeIdentity.load(c), Clock.systemUTC());
        n.start();
        return n;
    }

    /**
     * Rewrites {@code mqtt.url} of a config written by `federation init` to name {@code urls}: one broker, or a
     * cluster's members as a YAML list, tried in that order.
     */
    static void useBrokers(Path configFile, List<String> urls) throws IOException {
        String yaml = Files.readString(configFile);
        Matcher m = MQTT_URL.matcher(yaml);
        if (!m.find()) {
            throw new IllegalStateException("no mqtt.url line in " + configFile + ":\n" + yaml);
        }
        String value = urls.size() == 1 ? urls.get(0) : "[" + String.join(", ", urls) + "]";
        Files.writeString(configFile, yaml.substring(0, m.start()) + "  url: " + value + yaml.substring(m.end()));
    }

    /** Waits until every node sees every other one online. */
    static void awaitAllOnline(Duration timeout, List<QuorumNode> nodes) throws InterruptedException {
        Await.until(timeout, () -> nodes.stream().allMatch(n -> n.peersOnline() == nodes.size() - 1),
                () -> "online: " + nodes.stream().map(n -> n.name() + "=" + n.peersOnline() + (n.connected() ? "" : "(away)"))
                        .collect(Collectors.joining(", ")) + " on " + TestBroker.describe());
    }

    /**
     * Waits until every node stores a checkpoint of every subject, then checks each against the roster: signed by
     * at least {@code checkpoint.minVoters} members, within the clock skew.
     */
    static void awaitCheckpointOfEverySubject(Duration timeout, List<QuorumNode> nodes) throws InterruptedException {
        int subjects = nodes.get(0).config().federation().roster().size();
        Await.until(timeout, () -> nodes.stream().allMatch(n -> n.checkpoints().size() == subjects),
                () -> nodes.stream().map(n -> n.name() + "=" + n.checkpoints().size() + " rej=" + n.metrics().rejectSummary())
                        .collect(Collectors.joining(", ")) + " on " + TestBroker.describe());
        for (QuorumNode n : nodes) {
            QuorumdConfig c = n.config();
            for (StoredCheckpoint s : n.checkpoints().values()) {
                assertEquals(Optional.empty(), CheckpointValidator.validate(s.checkpoint(), c.federation().roster(),
                        c.checkpoint().minVoters(), System.currentTimeMillis(), 5_000), n.name());
                assertTrue(s.checkpoint().votes().size() >= c.checkpoint().minVoters(), n.name());
            }
        }
    }
}
