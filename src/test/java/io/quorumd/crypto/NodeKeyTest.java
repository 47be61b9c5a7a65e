package io.quorumd.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeKeyTest {
    @TempDir
    Path dir;

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
