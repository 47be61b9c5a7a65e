package io.quorumd.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.quorumd.config.QuorumdConfig.ArbiterSection;
import io.quorumd.config.QuorumdConfig.CheckpointSection;
import io.quorumd.config.QuorumdConfig.ControlSection;
import io.quorumd.config.QuorumdConfig.FsyncMode;
import io.quorumd.config.QuorumdConfig.LedgerSection;
import io.quorumd.config.QuorumdConfig.LogFormat;
import io.quorumd.config.QuorumdConfig.LoggingSection;
import io.quorumd.config.QuorumdConfig.MqttSection;
import io.quorumd.config.QuorumdConfig.NodeSection;
import io.quorumd.config.QuorumdConfig.OrderMode;
import io.quorumd.config.QuorumdConfig.OrderSection;
import io.quorumd.config.QuorumdConfig.PresenceSection;
import io.quorumd.config.QuorumdConfig.ResponderSection;
import io.quorumd.config.QuorumdConfig.SyncSection;
import io.quorumd.config.QuorumdConfig.TlsSection;
import io.quorumd.config.QuorumdConfig.Tolerance;
import io.quorumd.wire.OrderBatch;
import io.quorumd.wire.Roster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * YAML → {@link QuorumdConfig}. Reads every section with its defaults, then checks the values against
 * each other; every problem is reported with its YAML path, all at once. Relative paths are resolved
 * against the config file's directory.
 */
public final class ConfigLoader {
    public static final Path DEFAULT_PATH = Path.of("/etc/quorumd/quorumd.yaml");
    static final Duration DEFAULT_SKEW = Duration.ofSeconds(30);
    private static final ObjectMapper YAML = new ObjectMapper(
            YAMLFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    private ConfigLoader() {
    }

    public static QuorumdConfig load(Path file) throws ConfigException {
        return load(file, System::getenv);
    }

    public static QuorumdConfig load(Path file, Function<String, String> env) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file.toString(), List.of(new ConfigProblem("", "file does not exist")));
        } catch (IOException e) {
            throw new ConfigException(file.toString(), List.of(new ConfigProblem("", "cannot read: " + e.getMessage())));
        }
        return parse(text, file.toAbsolutePath(), env);
    }

    public static QuorumdConfig parse(String yaml, Path source, Function<String, String> env) throws ConfigException {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JacksonException e) {
            String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
            throw new ConfigException(source.toString(),
                    List.of(new ConfigProblem("", "not valid YAML" + where + ": " + e.getOriginalMessage())));
        }
        List<ConfigProblem> problems = new ArrayList<>();
        YamlSection top = new YamlSection(root, "", problems, new EnvExpander(env));
        Path base = source.toAbsolutePath().getParent();
        QuorumdConfig config = read(top, base, source);
        top.finish();
        if (!problems.isEmpty()) {
            throw new ConfigException(source.toString(), problems);
        }
        List<ConfigProblem> cross = ConfigChecks.check(config);
        if (!cross.isEmpty()) {
            throw new ConfigException(source.toString(), cross);
        }
        return config;
    }

    private static QuorumdConfig read(YamlSection top, Path base, Path source) {
        YamlSection n = top.section("node");
        String name = n.requiredString("name");
        Path keyFile = n.path("keyFile", "node.key", base);
        Path dataDir = n.path("dataDir", "data", base);
        Optional<Path> nextKeyFile = Optional.ofNullable(n.path("nextKeyFile", null, base));
        n.finish();
        NodeSection node = new NodeSection(name, keyFile, dataDir, nextKeyFile);

        YamlSection f = top.section("federation");
        String federationName = f.requiredString("name");
        Roster roster = RosterReader.read(f);
        Duration federationSkew = f.has("clockSkew") ? f.duration("clockSkew", DEFAULT_SKEW) : null;
        f.finish();

        MqttSection mqtt = readMqtt(top.section("mqtt"), base, federationName, name, roster);

        YamlSection p = top.section("presence");
        Duration heartbeat = p.positiveDuration("heartbeat", Duration.ofSeconds(30));
        Duration offlineAfter = p.positiveDuration("offlineAfter", heartbeat.multipliedBy(3));
        p.finish();

        CheckpointSection checkpoint = readCheckpoint(top.section("checkpoint"), heartbeat);
        List<String> warnings = new ArrayList<>();
        YamlSection a = top.section("arbiter");
        Duration clockSkew = clockSkew(federationSkew, a, warnings);
        ArbiterSection arbiter = readArbiter(a);

        YamlSection l = top.section("ledger");
        long segmentBytes = Sizes.read(l, "segmentBytes", 64L << 20, 4096L, 1L << 40);
        FsyncMode fsync = FsyncMode.valueOf(l.choice("fsync", "batch", "always", "batch", "off").toUpperCase(Locale.ROOT));
        l.finish();

        ResponderSection responder = readResponder(top.section("responder"));
        YamlSection y = top.section("sync");
        SyncSection sync = new SyncSection(y.bool("enabled", true), (int) y.integer("pageSize", 100, 1, 100),
                y.positiveDuration("timeout", Duration.ofSeconds(10)), (int) y.integer("requestsPerMinute", 600, 1, 100_000));
        y.finish();

        OrderSection order = readOrder(top.section("order"), base);
        QuorumdConfig.PmSection pm = PmSectionReader.read(top.section("pm"));

        YamlSection c = top.section("control");
        Path socket = c.path("socket", dataDir.resolve("control.sock").toString(), base);
        c.finish();

        YamlSection g = top.section("logging");
        LogFormat format = LogFormat.valueOf(g.choice("format", "text", "text", "json").toUpperCase(Locale.ROOT));
        String level = g.choice("level", "info", "trace", "debug", "info", "warn", "error").toUpperCase(Locale.ROOT);
        Duration statsEvery = g.positiveDuration("statsEvery", Duration.ofSeconds(60));
        g.finish();

        return new QuorumdConfig(source, node, mqtt,
                new QuorumdConfig.FederationSection(federationName, roster, clockSkew),
                new PresenceSection(heartbeat, offlineAfter), checkpoint, arbiter,
                new LedgerSection(segmentBytes, fsync), responder, sync, order, pm, new ControlSection(socket),
                new LoggingSection(format, level, statsEvery), warnings);
    }

    /**
     * federation.clockSkew; the older arbiter.clockSkew is still read (it drove checkpoints too) with a
     * deprecation warning, and is refused when both are set to different values.
     */
    private static Duration clockSkew(Duration federation, YamlSection arbiter, List<String> warnings) {
        if (!arbiter.has("clockSkew")) {
            return federation == null ? DEFAULT_SKEW : federation;
        }
        Duration old = arbiter.duration("clockSkew", DEFAULT_SKEW);
        if (federation != null && old != null && !federation.equals(old)) {
            arbiter.problem("clockSkew", "is deprecated and differs from federation.clockSkew; keep only federation.clockSkew");
            return federation;
        }
        warnings.add("arbiter.clockSkew is deprecated: it applies to the whole federation; move it to federation.clockSkew");
        return federation != null ? federation : old;
    }

    private static MqttSection readMqtt(YamlSection m, Path base, String federationName, String nodeName,
                                        Roster roster) {
        List<String> urls = brokerUrls(m);
        String defaultClientId = nodeName == null ? "quorumd"
                : roster.byName(nodeName).map(me -> "quorumd-" + me.nodeId().hex().substring(0, 15)).orElse("quorumd");
        String clientId = m.string("clientId", defaultClientId);
        Optional<String> username = Optional.ofNullable(m.string("username", null));
        Optional<Path> passwordFile = Optional.ofNullable(m.path("passwordFile", null, base));
        YamlSection t = m.section("tls");
        TlsSection tls = new TlsSection(
                Optional.ofNullable(t.path("caFile", null, base)),
                Optional.ofNullable(t.path("certFile", null, base)),
                Optional.ofNullable(t.path("keyFile", null, base)));
        t.finish();
        String prefix = m.string("topicPrefix", "quorumd/" + (federationName == null ? "default" : federationName));
        Duration keepAlive = m.positiveDuration("keepAlive", Duration.ofSeconds(30));
        Duration connectTimeout = m.positiveDuration("connectTimeout", Duration.ofSeconds(10));
        Duration reconnectMax = m.positiveDuration("reconnectMax", Duration.ofSeconds(60));
        m.finish();
        return new MqttSection(urls, clientId, username, passwordFile, tls, prefix, keepAlive, connectTimeout,
                reconnectMax);
    }

    /** {@code mqtt.url}: one URL, or a list of a cluster's members, all tcp:// or all ssl://, none twice. */
    private static List<String> brokerUrls(YamlSection m) {
        List<String> urls = new ArrayList<>();
        if (m.raw("url").isArray()) {
            List<JsonNode> items = m.list("url");
            for (int i = 0; i < items.size(); i++) {
                JsonNode v = items.get(i);
                String u = v.isTextual() ? m.expand("url", v.asText()) : null;
                if (u == null) {
                    m.problem("url", "item " + (i + 1) + " must be a broker URL string");
                } else if (urls.contains(u)) {
                    m.problem("url", "'" + u + "' is listed twice");
                } else {
                    urls.add(u);
                }
            }
            if (items.isEmpty()) {
                m.problem("url", "an empty list names no broker");
            }
        } else {
            urls.add(m.string("url", "tcp://127.0.0.1:1883"));
        }
        for (String u : urls) {
            if (!u.startsWith("tcp://") && !u.startsWith("ssl://")) {
                m.problem("url", "'" + u + "' must start with tcp:// or ssl://");
            }
        }
        if (urls.stream().map(u -> u.startsWith("ssl://")).distinct().count() > 1) {
            m.problem("url", "mixes tcp:// and ssl:// brokers; a cluster's members are reached the same way");
        }
        return urls.isEmpty() ? List.of("tcp://127.0.0.1:1883") : urls;
    }

    private static OrderSection readOrder(YamlSection o, Path base) {
        OrderMode mode = OrderMode.valueOf(o.choice("enabled", "auto", "auto", "on", "off").toUpperCase(Locale.ROOT));
        int window = (int) o.integer("window", 8, 2, 64);
        int checkpointEvery = (int) o.integer("checkpointEvery", 4, 1, 32);
        Duration viewTimeout = o.positiveDuration("viewTimeout", Duration.ofSeconds(10));
        Duration viewTimeoutMax = o.positiveDuration("viewTimeoutMax", Duration.ofMinutes(5));
        int maxBatch = (int) o.integer("maxBatch", 64, 1, OrderBatch.MAX_ITEMS);
        Duration batchDelay = o.duration("batchDelay", Duration.ofMillis(50));
        Duration requestTtl = o.positiveDuration("requestTtl", Duration.ofHours(1));
        Duration retransmitEvery = o.positiveDuration("retransmitEvery", Duration.ofSeconds(1));
        Optional<Path> anchorFile = Optional.ofNullable(o.path("anchorFile", null, base));
        if (window < 2 * checkpointEvery) {
            o.problem("window", "must be at least twice order.checkpointEvery (" + checkpointEvery + ")");
        }
        if (viewTimeoutMax.compareTo(viewTimeout) < 0) {
            o.problem("viewTimeoutMax", "must be at least order.viewTimeout");
        }
        if (requestTtl.compareTo(viewTimeout.multipliedBy(2)) < 0) {
            o.problem("requestTtl", "must be at least twice order.viewTimeout: a request must outlive a view change");
        }
        o.finish();
        return new OrderSection(mode, window, checkpointEvery, viewTimeout, viewTimeoutMax, maxBatch, batchDelay,
                requestTtl, retransmitEvery, anchorFile);
    }

    private static CheckpointSection readCheckpoint(YamlSection c, Duration heartbeat) {
        Duration interval = c.positiveDuration("interval", Duration.ofHours(24));
        Duration checkEvery = c.positiveDuration("checkEvery", Duration.ofMinutes(15));
        Duration voteWindow = c.positiveDuration("voteWindow", Duration.ofSeconds(60));
        int minVoters = (int) c.integer("minVoters", 5, 1, 1000);
        int maxSignatures = (int) c.integer("maxSignatures", 10, 1, 1000);
        YamlSection t = c.section("tolerance");
        Tolerance tolerance = new Tolerance(t.integer("restarts", 5, 0, Integer.MAX_VALUE),
                t.duration("uptime", Duration.ofSeconds(60)), t.duration("firstSeen", Duration.ofSeconds(60)));
        t.finish();
        Duration voteJitter = c.duration("voteJitter", Duration.ofSeconds(3));
        Duration bootGrace = c.duration("bootGrace", heartbeat.multipliedBy(2));
        c.finish();
        return new CheckpointSection(interval, checkEvery, voteWindow, minVoters, maxSignatures, tolerance,
                voteJitter, bootGrace);
    }

    private static ArbiterSection readArbiter(YamlSection a) {
        int required = (int) a.integer("required", 3, 0, 1000);
        Duration votingTimeout = a.positiveDuration("votingTimeout", Duration.ofHours(48));
        Duration fallbackExtension = a.positiveDuration("fallbackExtension", Duration.ofHours(24));
        Duration expiryCheckEvery = a.positiveDuration("expiryCheckEvery", Duration.ofMinutes(5));
        int maxOpenPerMember = (int) a.integer("maxOpenPerMember", 16, 1, 10_000);
        a.finish();
        return new ArbiterSection(required, votingTimeout, fallbackExtension, expiryCheckEvery, maxOpenPerMember);
    }

    private static ResponderSection readResponder(YamlSection r) {
        boolean enabled = r.bool("enabled", true);
        Duration tick = r.positiveDuration("tick", Duration.ofSeconds(30));
        int retryAfterMissed = (int) r.integer("retryAfterMissed", 2, 1, 1000);
        int minCopies = (int) r.integer("minCopies", 0, 0, 100_000);
        Duration keepFor = r.positiveDuration("keepFor", Duration.ofDays(7));
        Duration backoffMax = r.positiveDuration("backoffMax", Duration.ofMinutes(30));
        int maxPerTick = (int) r.integer("maxPerTick", 100, 1, 100_000);
        Duration ackDelay = r.positiveDuration("ackDelay", Duration.ofSeconds(2));
        r.finish();
        return new ResponderSection(enabled, tick, retryAfterMissed, minCopies, keepFor, backoffMax, maxPerTick, ackDelay);
    }

}
