package io.quorumd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.quorumd.config.FederationInit;
import io.quorumd.mqtt.MqttTransport;
import io.quorumd.node.QuorumNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Nodes on a broker of the test's own that wants TLS with a client certificate from its CA and a password
 * (mosquitto: require_certificate, no anonymous clients, a password file). The CA and every certificate are made
 * at run time. Nodes with a certificate of that CA and their password connect and see each other; a node whose
 * certificate another CA signed, or whose password is wrong, never connects: its failed attempts are logged and
 * nobody sees it. The broker is its own, so this runs in the embedded leg only.
 */
class TlsBrokerIT {
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private PrivateMosquitto broker;
    private final List<QuorumNode> nodes = new ArrayList<>();
    private final ListAppender<ILoggingEvent> transportLog = new ListAppender<>();

    @AfterEach
    void stop() {
        for (QuorumNode n : nodes) {
            n.stop(Duration.ofSeconds(3));
        }
        ((Logger) LoggerFactory.getLogger(MqttTransport.class)).detachAppender(transportLog);
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void onlyNodesWithTheCasCertificateAndTheirPasswordGetOn() throws Exception {
        Assumptions.assumeTrue(TestBroker.describe().equals("embedded"),
                "brings its own TLS broker: runs in the embedded leg only");
        Assumptions.assumeTrue(PrivateMosquitto.available() && Files.isExecutable(Path.of("/usr/bin/mosquitto_passwd")),
                "needs mosquitto and mosquitto_passwd");
        Path pki = Files.createDirectories(dir.resolve("pki"));
        TestPki ca = TestPki.authority("quorumd test CA");
        Path caFile = ca.writeCertificate(pki.resolve("ca.pem"));
        ca.issue("localhost", true, pki, "broker");
        for (int i = 1; i <= 3; i++) {
            ca.issue("node-" + i, false, pki, "node-" + i);
        }
        TestPki.authority("some other CA").issue("node-3", false, pki, "rogue");
        Path passwords = pki.resolve("passwords");
        for (int i = 1; i <= 3; i++) {
            mosquittoPasswd(passwords, "node-" + i, "secret-" + i, i == 1);
        }
        Files.setPosixFilePermissions(pki, PosixFilePermissions.fromString("rwx------"));
        Path brokerDir = Files.createDirectories(dir.resolve("broker"));
        broker = PrivateMosquitto.tls(brokerDir, caFile, pki.resolve("broker.pem"), pki.resolve("broker.key"), passwords);
        broker.start();

        ((Logger) LoggerFactory.getLogger(MqttTransport.class)).addAppender(transportLog);
        transportLog.start();
        var files = FederationInit.write(dir.resolve("fed"), new FederationInit.Options(3, broker.url(), "tls-it", true),
                new SecureRandom());
        for (int i = 1; i <= 3; i++) {
            Files.writeString(pki.resolve("node-" + i + ".password"), "secret-" + i + "\n");
            Files.setPosixFilePermissions(pki.resolve("node-" + i + ".password"), PosixFilePermissions.fromString("rw-------"));
        }
        QuorumNode one = start(files.get(0).config(), pki, "node-1", "node-1", "node-1.password");
        QuorumNode two = start(files.get(1).config(), pki, "node-2", "node-2", "node-2.password");
        Await.until(DEADLINE, () -> one.peersOnline() == 1 && two.peersOnline() == 1, () -> online(one, two));
        assertTrue(one.connected() && two.connected());

        // node-3's certificate is signed by another CA: the TLS handshake fails, every time
        QuorumNode rogue = start(files.get(2).config(), pki, "node-3", "rogue", "node-3.password");
        Await.until(DEADLINE, () -> connectFailures("node-3") >= 2, () -> "failures logged: " + connectFailures("node-3"));
        assertFalse(rogue.connected());
        assertEquals(1, one.peersOnline(), "node-1 never sees node-3: " + online(one, two));
        stopAndForget(rogue);

        // the CA's certificate with the wrong password: refused by the broker
        int before = connectFailures("node-3");
        QuorumNode wrongPassword = start(files.get(2).config(), pki, "node-3", "node-3", "node-2.password");
        Await.until(DEADLINE, () -> connectFailures("node-3") >= before + 2,
                () -> "failures logged: " + (connectFailures("node-3") - before));
        assertFalse(wrongPassword.connected());
        assertEquals(1, one.peersOnline(), "node-1 never sees node-3: " + online(one, two));
        assertTrue(events().stream().anyMatch(e -> e.getFormattedMessage().equals("broker connect failed")
                && "node-3".equals(e.getMDCPropertyMap().get("node"))
                && String.valueOf(value(e, "error")).contains("Not authorized to connect")),
                "the failure names the node and the broker's refusal");
        assertTrue(events().stream().anyMatch(e -> e.getLevel() == ch.qos.logback.classic.Level.ERROR
                && e.getFormattedMessage().startsWith("broker connect failed; retrying will not help")
                && String.valueOf(value(e, "fix")).contains("mqtt.passwordFile")), "an ERROR says what to fix");
        stopAndForget(wrongPassword);

        // the same node with its own certificate and password gets on: nothing else was wrong with it
        QuorumNode three = start(files.get(2).config(), pki, "node-3", "node-3", "node-3.password");
        Await.until(DEADLINE, () -> one.peersOnline() == 2 && two.peersOnline() == 2 && three.peersOnline() == 2,
                () -> online(one, two, three));
    }

    private QuorumNode start(Path config, Path pki, String user, String cert, String passwordFile) throws Exception {
        String yaml = Files.readString(config);
        String base = yaml.contains("\n  tls:\n") ? yaml.substring(0, yaml.indexOf("  username: ")) + yaml.substring(
                yaml.indexOf("  topicPrefix: ")) : yaml;
        String mqtt = "  username: " + user + "\n  passwordFile: " + pki.resolve(passwordFile) + "\n  tls:\n    caFile: "
                + pki.resolve("ca.pem") + "\n    certFile: " + pki.resolve(cert + ".pem") + "\n    keyFile: "
                + pki.resolve(cert + ".key") + "\n  connectTimeout: 2s\n  reconnectMax: 2s\n";
        Files.writeString(config, base.replace("  topicPrefix: ", mqtt + "  topicPrefix: "));
        QuorumNode n = LabNodes.startOne(config);
        nodes.add(n);
        return n;
    }

    private void stopAndForget(QuorumNode n) {
        n.stop(Duration.ofSeconds(3));
        nodes.remove(n);
    }

    private List<ILoggingEvent> events() {
        synchronized (transportLog) { // the appender appends under its own lock
            return List.copyOf(transportLog.list);
        }
    }

    private int connectFailures(String node) {
        return (int) events().stream().filter(e -> e.getFormattedMessage().equals("broker connect failed")
                && node.equals(e.getMDCPropertyMap().get("node"))).count();
    }

    private static String value(ILoggingEvent e, String key) {
        if (e.getKeyValuePairs() == null) {
            return null;
        }
        return e.getKeyValuePairs().stream().filter(kv -> kv.key.equals(key)).map(kv -> Objects.toString(kv.value))
                .findFirst().orElse(null);
    }

    private static String online(QuorumNode... ns) {
        return List.of(ns).stream().map(n -> n.name() + "=" + n.peersOnline() + (n.connected() ? "" : " (not connected)"))
                .collect(Collectors.joining(", "));
    }

    private static void mosquittoPasswd(Path file, String user, String password, boolean create) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/mosquitto_passwd", "-b"));
        if (create) {
            cmd.add("-c");
        }
        cmd.addAll(List.of(file.toString(), user, password));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mosquitto_passwd: " + out);
    }
}
