package io.quorumd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.NodeKey;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
    private static final Path SOURCE = Path.of("/etc/quorumd/quorumd.yaml");
    private static final String[] KEYS = {
        NodeKey.fromSeed(seed(1)).publicKey().base64(), NodeKey.fromSeed(seed(2)).publicKey().base64(),
        NodeKey.fromSeed(seed(3)).publicKey().base64(), NodeKey.fromSeed(seed(4)).publicKey().base64()};

    private static byte[] seed(int b) {
        byte[] s = new byte[32];
        s[0] = (byte) b;
        return s;
    }

    /** A valid 4-node config with {@code extra} appended (later keys override nothing: extra adds sections). */
    private static String yaml(String mqttExtra, String extra) {
        StringBuilder roster = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            roster.append("    - name: n").append(i + 1).append("\n      publicKey: ").append(KEYS[i])
                    .append("\n      roles: [voter").append(i < 3 ? ", arbiter" : "").append("]\n");
        }
        return "node:\n  name: n1\nmqtt:\n  url: tcp://127.0.0.1:1883\n" + mqttExtra
                + "federation:\n  name: lab\n  roster:\n" + roster + "checkpoint:\n  minVoters: 2\n" + extra;
    }

    private static QuorumdConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, SOURCE, Map.of("BROKER", "tcp://broker:1883")::get);
    }

    private static List<ConfigProblem> problems(String yaml) {
        return assertThrows(ConfigException.class, () -> parse(yaml)).problems();
    }

    private static void assertProblem(List<ConfigProblem> problems, String path, String fragment) {
        assertTrue(problems.stream().anyMatch(p -> p.path().equals(path) && p.message().contains(fragment)),
                "expected " + path + ": …" + fragment + "… in " + problems);
    }

    @Test
    void mqttUrlMayListABrokerClustersMembersTriedInOrder() throws Exception {
        String base = yaml("", "");
        String one = "  url: tcp://127.0.0.1:1883\n";
        QuorumdConfig c = parse(base.replace(one, "  url: [tcp://a:1883, tcp://b:1883, \"${BROKER}\"]\n"));
        assertEquals(List.of("tcp://a:1883", "tcp://b:1883", "tcp://broker:1883"), c.mqtt().urls());
        assertEquals("tcp://a:1883", c.mqtt().url());
        assertEquals(List.of("tcp://127.0.0.1:1883"), parse(base).mqtt().urls());
        assertProblem(problems(base.replace(one, "  url: [tcp://a:1883, ssl://b:8883]\n")), "mqtt.url", "mixes tcp://");
        assertProblem(problems(base.replace(one, "  url: [tcp://a:1883, tcp://a:1883]\n")), "mqtt.url", "listed twice");
        assertProblem(problems(base.replace(one, "  url: []\n")), "mqtt.url", "empty list");
        assertProblem(problems(base.replace(one, "  url: [tcp://a:1883, {x: 1}]\n")), "mqtt.url", "item 2");
        assertProblem(problems(base.replace(one, "  url: [http://a]\n")), "mqtt.url", "must start with tcp://");
    }

    @Test
    void validConfigGetsDefaultsAndResolvesRelativePaths() throws Exception {
        QuorumdConfig c = parse(yaml("", ""));
        assertEquals("n1", c.node().name());
        assertEquals(Path.of("/etc/quorumd/node.key"), c.node().keyFile());
        assertEquals(Path.of("/etc/quorumd/data/control.sock"), c.control().socket());
        assertEquals(Duration.ofSeconds(30), c.presence().heartbeat());
        assertEquals(Duration.ofSeconds(90), c.presence().offlineAfter());
        assertEquals(Duration.ofHours(24), c.checkpoint().interval());
        assertEquals(Duration.ofSeconds(60), c.presence().heartbeat().multipliedBy(2));
        assertEquals(Duration.ofSeconds(60), c.checkpoint().bootGrace());
        assertEquals("quorumd/lab", c.mqtt().topicPrefix());
        assertEquals(64L << 20, c.ledger().segmentBytes());
        assertEquals(QuorumdConfig.FsyncMode.BATCH, c.ledger().fsync());
        assertEquals(23, c.mqtt().clientId().length());
    }

    @Test
    void misspelledKeyIsNamedWithSuggestion() {
        var problems = problems(yaml("", "  votewindow: 30s\n"));
        assertProblem(problems, "checkpoint.votewindow", "unknown key, did you mean voteWindow?");
    }

    @Test
    void unknownTopLevelSectionIsReported() {
        assertProblem(problems(yaml("", "ledgr:\n  fsync: off\n")), "ledgr", "did you mean ledger?");
    }

    @Test
    void wrongTypesAndBadDurationsAreReportedWithPaths() {
        var problems = problems(yaml("  keepAlive: 30\n", "  maxSignatures: ten\npresence:\n  heartbeat: soon\n"));
        assertProblem(problems, "mqtt.keepAlive", "needs a unit");
        assertProblem(problems, "checkpoint.maxSignatures", "whole number");
        assertProblem(problems, "presence.heartbeat", "not a duration");
        assertEquals(3, problems.size(), problems.toString());
    }

    @Test
    void durationsAcceptEveryUnit() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofSeconds(60), Durations.parse("60s"));
        assertEquals(Duration.ofMinutes(15), Durations.parse("15m"));
        assertEquals(Duration.ofHours(24), Durations.parse("24h"));
        assertEquals(Duration.ofDays(2), Durations.parse("2d"));
        assertEquals("90s", Durations.format(Duration.ofSeconds(90)));
        assertEquals("1h", Durations.format(Duration.ofSeconds(3600)));
    }

    @Test
    void environmentVariablesAreExpanded() throws Exception {
        QuorumdConfig c = parse(yaml("", "").replace("tcp://127.0.0.1:1883", "${BROKER}")
                .replace("minVoters: 2", "minVoters: ${VOTERS:-2}"));
        assertEquals("tcp://broker:1883", c.mqtt().url());
        assertEquals(2, c.checkpoint().minVoters());
    }

    @Test
    void unsetEnvironmentVariableIsAProblemAtItsPath() {
        var problems = problems(yaml("  username: ${MQTT_USER}\n", ""));
        assertProblem(problems, "mqtt.username", "MQTT_USER is not set");
    }

    @Test
    void rosterWithoutThisNodeIsRefused() {
        assertProblem(problems(yaml("", "").replace("name: n1\nmqtt", "name: n9\nmqtt")), "node.name",
                "n9 is not in federation.roster");
    }

    @Test
    void duplicateKeysAndNamesInRosterAreRefused() {
        String dupKey = yaml("", "").replace(KEYS[3], KEYS[0]);
        assertProblem(problems(dupKey), "federation.roster[3].publicKey", "same public key as n1");
        String dupName = yaml("", "").replace("name: n4", "name: n2");
        assertProblem(problems(dupName), "federation.roster[3].name", "already used");
    }

    @Test
    void badPublicKeyAndRoleAreNamed() {
        var problems = problems(yaml("", "").replace(KEYS[2], "AAAA").replace("roles: [voter]", "roles: [voter, judge]"));
        assertProblem(problems, "federation.roster[2].publicKey", "32 bytes");
        assertProblem(problems, "federation.roster[3].roles[1]", "'judge' is not one of");
    }

    @Test
    void minVotersMustBeBelowRosterSize() {
        assertProblem(problems(yaml("", "").replace("minVoters: 2", "minVoters: 4")), "checkpoint.minVoters",
                "must be less than the roster size 4");
    }

    @Test
    void requiredArbitersCannotExceedPrimaries() {
        assertProblem(problems(yaml("", "arbiter:\n  required: 6\n")), "arbiter.required",
                "6 exceeds the 3 primary arbiters");
        assertProblem(problems(yaml("", "arbiter:\n  required: 1\n")), "arbiter.required", "at least 2");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        var problems = problems(yaml("", "  votewindow: 1s\nlogging:\n  format: xml\n").replace("tcp://127", "ftp://127"));
        assertProblem(problems, "mqtt.url", "must start with tcp:// or ssl://");
        assertProblem(problems, "checkpoint.votewindow", "unknown key");
        assertProblem(problems, "logging.format", "'xml' is not one of text, json");
    }

    @Test
    void bareOffIsTheWordOffNotABoolean() throws Exception {
        assertEquals(QuorumdConfig.FsyncMode.OFF, parse(yaml("", "ledger:\n  fsync: off\n")).ledger().fsync());
        assertProblem(problems(yaml("", "ledger:\n  fsync: yes\n")), "ledger.fsync", "must be a string");
    }

    @Test
    void notYamlIsOneClearProblem() {
        var problems = problems("node: [unclosed\n");
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).message().startsWith("not valid YAML"), problems.toString());
    }

    @Test
    void offlineAfterMustExceedHeartbeat() {
        assertProblem(problems(yaml("", "presence:\n  heartbeat: 5s\n  offlineAfter: 5s\n")), "presence.offlineAfter",
                "longer than presence.heartbeat");
    }

    @Test
    void effectiveConfigRendersAndParsesBackIdentically() throws Exception {
        QuorumdConfig c = parse(yaml("", "ledger:\n  segmentBytes: 1MiB\n"));
        String rendered = ConfigRenderer.toYaml(c);
        QuorumdConfig again = parse(rendered);
        assertEquals(c, again);
        assertTrue(rendered.contains("segmentBytes: 1MiB"), rendered);
    }

    @Test
    void clockSkewIsAFederationSettingAndTheOldArbiterKeyIsDeprecated() throws Exception {
        QuorumdConfig plain = parse(yaml("", ""));
        assertEquals(Duration.ofSeconds(30), plain.federation().clockSkew());
        assertTrue(plain.warnings().isEmpty());
        QuorumdConfig moved = parse(yaml("", "").replace("  name: lab\n", "  name: lab\n  clockSkew: 10s\n"));
        assertEquals(Duration.ofSeconds(10), moved.federation().clockSkew());
        QuorumdConfig old = parse(yaml("", "arbiter:\n  clockSkew: 7s\n"));
        assertEquals(Duration.ofSeconds(7), old.federation().clockSkew(), "still read");
        assertEquals(1, old.warnings().size());
        assertTrue(old.warnings().get(0).contains("federation.clockSkew"), old.warnings().toString());
        assertProblem(problems(yaml("", "arbiter:\n  clockSkew: 7s\n").replace("  name: lab\n",
                "  name: lab\n  clockSkew: 10s\n")), "arbiter.clockSkew", "differs from federation.clockSkew");
    }

    @Test
    void maxOpenPerMemberHasADefaultAndABound() throws Exception {
        assertEquals(16, parse(yaml("", "")).arbiter().maxOpenPerMember());
        assertEquals(4, parse(yaml("", "arbiter:\n  maxOpenPerMember: 4\n")).arbiter().maxOpenPerMember());
        assertProblem(problems(yaml("", "arbiter:\n  maxOpenPerMember: 0\n")), "arbiter.maxOpenPerMember", "out of range");
    }

    @Test
    void pathWithANulCharacterIsAProblemAtItsKeyNotAnInvalidPathException() {
        List<ConfigProblem> problems = problems(yaml("  tls:\n    caFile: \"ca\\0.pem\"\n",
                "control:\n  socket: \"s\\0\"\n").replace("  name: n1\n", "  name: n1\n  dataDir: \"d\\0\"\n"));
        assertProblem(problems, "node.dataDir", "not a usable path");
        assertProblem(problems, "mqtt.tls.caFile", "not a usable path");
        assertProblem(problems, "control.socket", "not a usable path");
    }

    @Test
    void unknownKeyWithAnEmptyNameIsReportedAtAQuotedPath() {
        List<ConfigProblem> problems = problems(yaml("", "\"\": 1\n\"a.b\": 2\n").replace("  name: n1\n",
                "  name: n1\n  \"\": x\n"));
        assertProblem(problems, "\"\"", "unknown key");
        assertProblem(problems, "\"a.b\"", "unknown key");
        assertProblem(problems, "node.\"\"", "unknown key");
    }
}
