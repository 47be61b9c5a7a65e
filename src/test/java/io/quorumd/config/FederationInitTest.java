package io.quorumd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.KeyFileShape;
import io.quorumd.wire.Member;
import io.quorumd.wire.Role;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FederationInitTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 7, 9})
    void everyGeneratedNodeConfigLoadsWithItsKey(int n) throws Exception {
        var files = FederationInit.write(dir, new FederationInit.Options(n, "tcp://127.0.0.1:1883", null, false),
                new SecureRandom());
        assertEquals(n, files.size());
        for (var f : files) {
            QuorumdConfig c = ConfigLoader.load(f.config());
            assertEquals(f.nodeId(), NodeIdentity.load(c).nodeId().hex());
            KeyFileShape.assertPkcs8V1(f.keyFile());
            assertEquals(Math.min(5, n - 1), c.checkpoint().minVoters());
            assertEquals(n, c.federation().roster().size());
        }
    }

    @Test
    void sevenNodesGetFivePrimariesMajorityRequiredAndOneFallback() throws Exception {
        var files = FederationInit.write(dir, new FederationInit.Options(7, "tcp://127.0.0.1:1883", null, true),
                new SecureRandom());
        QuorumdConfig c = ConfigLoader.load(files.get(0).config());
        var members = c.federation().roster().members();
        assertEquals(5, members.stream().filter(m -> m.has(Role.ARBITER)).count());
        assertEquals("node-6", members.stream().filter(m -> m.has(Role.FALLBACK_ARBITER)).map(Member::name)
                .findFirst().orElseThrow());
        assertTrue(members.stream().allMatch(m -> m.has(Role.VOTER)));
        assertEquals(3, c.arbiter().required());
        assertEquals(Duration.ofSeconds(1), c.presence().heartbeat());
        assertEquals(Duration.ofSeconds(4), c.presence().offlineAfter());
        assertEquals(Duration.ofSeconds(5), c.mqtt().keepAlive());
        assertEquals(Duration.ofSeconds(3), c.checkpoint().voteWindow());
        assertEquals(Duration.ZERO, c.checkpoint().voteJitter());
        assertEquals(Duration.ofSeconds(60), c.arbiter().votingTimeout());
        assertEquals(dir.resolve("node-1/data"), c.node().dataDir());
    }

    @Test
    void refusesToWriteOverAnExistingFederation() throws Exception {
        var options = new FederationInit.Options(3, "tcp://127.0.0.1:1883", "x/y", false);
        FederationInit.write(dir, options, new SecureRandom());
        assertThrows(IOException.class, () -> FederationInit.write(dir, options, new SecureRandom()));
    }
}
