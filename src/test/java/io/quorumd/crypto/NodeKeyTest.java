package io.quorumd.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeKeyTest {
    /** SubjectPublicKeyInfo of an Ed25519 key up to the raw 32 bytes, as {@code openssl pkey -pubout -outform DER}. */
    private static final String SPKI_PREFIX_HEX = "302a300506032b6570032100";

    @TempDir
    Path dir;

    private record Run(int exit, byte[] stdout, String stderr) {
    }

    /** Runs openssl with the given arguments; skips the test when openssl is not on PATH. */
    private Run openssl(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(Arrays.asList(args));
        Path errFile = Files.createTempFile(dir, "openssl", ".err");
        Process process;
        try {
            process = new ProcessBuilder(command).redirectError(errFile.toFile()).start();
        } catch (IOException e) {
            assumeTrue(false, "openssl is not on PATH: " + e.getMessage());
            throw e;
        }
        process.getOutputStream().close();
        byte[] stdout = process.getInputStream().readAllBytes();
        int exit = process.waitFor();
        return new Run(exit, stdout, Files.readString(errFile));
    }

    /** The raw 32-byte public key openssl derives from a private key file. */
    private Bytes opensslPublicKey(Path keyFile) throws Exception {
        Run run = openssl("pkey", "-in", keyFile.toString(), "-pubout", "-outform", "DER");
        assertEquals(0, run.exit(), run.stderr());
        byte[] spki = run.stdout();
        assertEquals(44, spki.length, HexFormat.of().formatHex(spki));
        assertEquals(SPKI_PREFIX_HEX, HexFormat.of().formatHex(spki, 0, 12));
        return Bytes.of(Arrays.copyOfRange(spki, 12, 44));
    }

    private Path privateFile(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static String pem(byte[] der) {
        return "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END PRIVATE KEY-----\n";
    }

    @Test
    void writtenKeyIsPkcs8V1Of48Bytes() throws Exception {
        NodeKey key = NodeKey.generate(new SecureRandom());
        Path file = dir.resolve("node.key");
        key.writeNew(file);
        byte[] der = KeyFileShape.assertPkcs8V1(file);
        assertArrayEquals(der, key.toDer());
        assertEquals(3, Files.readAllLines(file).size(), "48 bytes of DER are one 64-character base64 line");
    }

    @Test
    void seedKeyIsWrittenExactlyAsTheOpensslVectorKey() throws Exception {
        byte[] seed = new byte[32];
        for (int i = 0; i < seed.length; i++) {
            seed[i] = (byte) i;
        }
        try (InputStream in = NodeKeyTest.class.getResourceAsStream("/vectors/vector-key.pem")) {
            assertEquals(new String(in.readAllBytes(), StandardCharsets.US_ASCII), NodeKey.fromSeed(seed).toPem());
        }
    }

    /** Regression: keys used to be written as PKCS#8 v2, which OpenSSL 3.0 refuses as "unsupported". */
    @Test
    void keyFilesAreReadableByOpenssl() throws Exception {
        NodeKey key = NodeKey.generate(new SecureRandom());
        Path file = dir.resolve("node.key");
        key.writeNew(file);

        Run check = openssl("pkey", "-in", file.toString(), "-noout");
        assertEquals(0, check.exit(), check.stderr());
        assertEquals(key.publicKey(), opensslPublicKey(file));
        Run rewrite = openssl("pkey", "-in", file.toString());
        assertEquals(0, rewrite.exit(), rewrite.stderr());
        assertEquals(Files.readString(file), new String(rewrite.stdout(), StandardCharsets.US_ASCII),
                "openssl writes the same key back byte for byte");
    }

    @Test
    void keyWrittenByOpensslGenpkeyIsRead() throws Exception {
        Path file = dir.resolve("openssl.key");
        Run gen = openssl("genpkey", "-algorithm", "ed25519", "-out", file.toString());
        assertEquals(0, gen.exit(), gen.stderr());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

        NodeKey key = NodeKey.read(file);
        assertEquals(opensslPublicKey(file), key.publicKey());
        assertEquals(Files.readString(file), key.toPem(), "quorumd writes the shape openssl writes");
    }

    @Test
    void pkcs8V2KeyAsBouncyCastleWroteItIsStillRead() throws Exception {
        Ed25519PrivateKeyParameters params = new Ed25519PrivateKeyParameters(new SecureRandom());
        PrivateKeyInfo v2 = PrivateKeyInfoFactory.createPrivateKeyInfo(params);
        assertEquals(1, v2.getVersion().intValueExact(), "BouncyCastle's default is v2");
        assertTrue(v2.hasPublicKey());

        NodeKey key = NodeKey.read(privateFile("v2.key", pem(v2.getEncoded("DER"))));
        assertEquals(Bytes.of(params.generatePublicKey().getEncoded()), key.publicKey());
        Path rewritten = dir.resolve("v1.key");
        key.writeNew(rewritten);
        KeyFileShape.assertPkcs8V1(rewritten);
        assertEquals(key.publicKey(), NodeKey.read(rewritten).publicKey());
    }

    @Test
    void pkcs8V2KeyWhosePublicKeyBelongsToAnotherKeyIsRefused() throws Exception {
        Ed25519PrivateKeyParameters mine = new Ed25519PrivateKeyParameters(new SecureRandom());
        Ed25519PrivateKeyParameters other = new Ed25519PrivateKeyParameters(new SecureRandom());
        PrivateKeyInfo mixed = new PrivateKeyInfo(new AlgorithmIdentifier(new ASN1ObjectIdentifier("1.3.101.112")),
                new DEROctetString(mine.getEncoded()), null, other.generatePublicKey().getEncoded());
        Path file = privateFile("mixed.key", pem(mixed.getEncoded("DER")));
        var e = assertThrows(KeyFileException.class, () -> NodeKey.read(file));
        assertTrue(e.getMessage().contains("does not match"), e.getMessage());
    }

    @Test
    void writtenKeyHasMode0600AndReadsBack() throws Exception {
        NodeKey key = NodeKey.generate(new SecureRandom());
        Path file = dir.resolve("node.key");
        key.writeNew(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        NodeKey back = NodeKey.read(file);
        assertEquals(key.publicKey(), back.publicKey());
        assertEquals(key.nodeId(), back.nodeId());
        assertTrue(Files.readString(file).startsWith("-----BEGIN PRIVATE KEY-----\n"));
    }

    @Test
    void neverOverwritesAnExistingFile() throws Exception {
        Path file = dir.resolve("node.key");
        Files.writeString(file, "precious");
        var e = assertThrows(KeyFileException.class, () -> NodeKey.generate(new SecureRandom()).writeNew(file));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertEquals("precious", Files.readString(file));
    }

    @Test
    void keyReadableByOthersIsRefusedWithChmodAdvice() throws Exception {
        Path file = dir.resolve("node.key");
        NodeKey.generate(new SecureRandom()).writeNew(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        var e = assertThrows(KeyFileException.class, () -> NodeKey.read(file));
        assertTrue(e.getMessage().contains("chmod 600 " + file), e.getMessage());
        assertTrue(e.getMessage().contains("0644"), e.getMessage());
    }

    @Test
    void missingAndMalformedKeysAreExplained() throws Exception {
        var missing = assertThrows(KeyFileException.class, () -> NodeKey.read(dir.resolve("nope.key")));
        assertTrue(missing.getMessage().contains("quorumd keygen"), missing.getMessage());
        Path junk = dir.resolve("junk.key");
        Files.writeString(junk, "hello");
        Files.setPosixFilePermissions(junk, PosixFilePermissions.fromString("rw-------"));
        var malformed = assertThrows(KeyFileException.class, () -> NodeKey.read(junk));
        assertTrue(malformed.getMessage().contains("PKCS#8"), malformed.getMessage());
    }

    @Test
    void nodeIdIsFirstSixteenBytesOfSha256OfPublicKey() {
        NodeKey key = NodeKey.fromSeed(new byte[32]);
        assertEquals(Hashes.sha256(key.publicKey().toArray()).hex().substring(0, 32), key.nodeId().hex());
    }
}
