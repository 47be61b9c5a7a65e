package io.quorumd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.config.FederationInit;
import io.quorumd.crypto.KeyFileShape;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as an operator meets it: output, exit codes, messages. */
class CliTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream savedOut;
    private PrintStream savedErr;

    @BeforeEach
    void capture() {
        savedOut = System.out;
        savedErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(savedOut);
        System.setErr(savedErr);
    }

    private int run(String... args) {
        var cmd = Main.commandLine();
        cmd.setOut(new java.io.PrintWriter(System.out, true));
        cmd.setErr(new java.io.PrintWriter(System.err, true));
        return cmd.execute(args);
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private Path oneNodeConfig() throws Exception {
        return FederationInit.write(dir, new FederationInit.Options(3, "tcp://127.0.0.1:1", null, true),
                new SecureRandom()).get(0).config();
    }

    @Test
    void keygenPrintsIdAndKeyAndNeverOverwrites() throws Exception {
        Path key = dir.resolve("k/node.key");
        assertEquals(0, run("keygen", "--out", key.toString()));
        assertTrue(Files.exists(key.resolveSibling(key.getFileName() + ".unused")), "a new key is marked unused");
        assertTrue(stdout().matches("(?s).*node id:\\s+[0-9a-f]{32}.*public key: \\S{44}\\n.*"), stdout());
        KeyFileShape.assertPkcs8V1(key);
        String before = Files.readString(key);
        assertEquals(1, run("keygen", "--out", key.toString()));
        assertTrue(stderr().contains("never overwrites"), stderr());
        assertEquals(before, Files.readString(key));
    }

    @Test
    void keyShowPrintsTheIdAndPublicKeyKeygenPrinted() throws Exception {
        Path key = dir.resolve("k2/node.key");
        assertEquals(0, run("keygen", "--out", key.toString()));
        String made = stdout();
        out.reset();
        assertEquals(0, run("key", "show", "--key", key.toString()));
        assertEquals(made, stdout());
        out.reset();
        assertEquals(0, run("key", "show", "--key", key.toString(), "--json"));
        com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(stdout());
        assertTrue(made.contains(j.get("nodeId").asText()) && made.contains(j.get("publicKey").asText()), stdout());
        java.nio.file.Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals(1, run("key", "show", "--key", key.toString()));
        assertTrue(stderr().contains("chmod 600"), stderr());
        assertEquals(1, run("key", "show", "--key", dir.resolve("none.key").toString()));
        assertTrue(stderr().contains("does not exist"), stderr());
    }

    /** The files besides the key: what `config check` used to pass, each now a problem at its YAML path. */
    @Test
    void configCheckRefusesMissingTlsFilesAndAPasswordFileOthersCanRead() throws Exception {
        Path config = oneNodeConfig();
        Path password = dir.resolve("mqtt.password");
        java.nio.file.Files.writeString(password, "secret\n");
        java.nio.file.Files.setPosixFilePermissions(password, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        String yaml = java.nio.file.Files.readString(config).replace("mqtt:\n", "mqtt:\n  username: node-1\n  passwordFile: "
                + password + "\n  tls:\n    caFile: " + dir.resolve("nonexistent/ca.pem") + "\n");
        java.nio.file.Files.writeString(config, yaml.replace("tcp://", "ssl://"));
        assertEquals(2, run("config", "check", "--config", config.toString()));
        assertTrue(stderr().contains("mqtt.passwordFile") && stderr().contains("chmod 600 " + password), stderr());
        assertTrue(stderr().contains("mqtt.tls.caFile") && stderr().contains("does not exist"), stderr());
        java.nio.file.Files.setPosixFilePermissions(password, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        java.nio.file.Files.createDirectories(dir.resolve("nonexistent"));
        java.nio.file.Files.writeString(dir.resolve("nonexistent/ca.pem"), "x");
        err.reset();
        assertEquals(0, run("config", "check", "--config", config.toString()), stderr());
    }

    @Test
    void generateCompletionPrintsABashScriptThatKnowsTheSubcommands() {
        assertEquals(0, run("generate-completion"));
        assertTrue(stdout().contains("complete -F _complete_quorumd"), "registers the function for quorumd");
        for (String sub : List.of("bench_arbiter", "dispute_vote", "key_show", "config_check")) {
            assertTrue(stdout().contains("function _picocli_quorumd_" + sub + "()"), sub);
        }
    }

    @Test
    void configCheckPrintsEffectiveConfig() throws Exception {
        assertEquals(0, run("config", "check", "--config", oneNodeConfig().toString()));
        assertTrue(stdout().contains("maxSignatures: 10"), stdout());
        assertTrue(stdout().contains("fsync: batch"), stdout());
    }

    @Test
    void configCheckOnMisspelledKeyExits2NamingThePath() throws Exception {
        Path config = oneNodeConfig();
        Files.writeString(config, Files.readString(config).replace("voteWindow:", "votewindow:"));
        assertEquals(2, run("config", "check", "--config", config.toString()));
        assertTrue(stderr().contains("checkpoint.votewindow: unknown key, did you mean voteWindow?"), stderr());
    }

    @Test
    void runWithWorldReadableKeyExits2WithChmodAdvice() throws Exception {
        Path config = oneNodeConfig();
        Path key = config.resolveSibling("node.key");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals(2, run("run", "--config", config.toString()));
        assertTrue(stderr().contains("node.keyFile: key file " + key + " is accessible by group or others (mode 0644); run: chmod 600 " + key),
                stderr());
    }

    @Test
    void missingConfigFileExits2() {
        assertEquals(2, run("config", "check", "--config", dir.resolve("none.yaml").toString()));
        assertTrue(stderr().contains("file does not exist"), stderr());
    }

    @Test
    void badArgumentsExit2AndVersionPrints() {
        assertEquals(2, run("keygen"));
        assertEquals(2, run("federation", "init", "--nodes", "1", "--out", dir.toString()));
        assertEquals(0, run("--version"));
        assertTrue(stdout().startsWith("quorumd "), stdout());
    }

    @Test
    void responderCommandsTakeAnIdAndDropNeedsAReason() throws Exception {
        String config = oneNodeConfig().toString();
        assertEquals(2, run("responder", "drop", "ruling:x", "--config", config));
        assertTrue(stderr().contains("--reason"), stderr());
        assertEquals(2, run("responder", "show", "--config", config));
        assertTrue(stderr().contains("ID"), stderr());
        int noDaemon = run("responder", "retry", "ruling:x", "--config", config);
        assertTrue(noDaemon != 0 && noDaemon != 2, "parsed, then no daemon to ask: " + noDaemon + " " + stderr());
    }
}
