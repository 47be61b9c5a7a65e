package io.quorumd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.config.QuorumdConfig.FsyncMode;
import io.quorumd.crypto.NodeKey;
import io.quorumd.ledger.BootRecord;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.EntryVisitor;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerException;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.ledger.VerifiedMark;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.wire.Json;
import io.quorumd.wire.Member;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up verifies what no earlier start verified (DESIGN §2: verify on every path), and a signed
 * "verified through" mark keeps restarts fast without letting a changed ledger through.
 */
class StartupVerificationTest {
    @TempDir
    Path dir;

    private SimNode runAndStop(long seed) throws Exception {
        SimFederation f = SimFederation.started(seed, dir, SimFederation.Options.fast(3), 5);
        f.world().run(Duration.ofSeconds(10));
        SimNode n = f.node(1);
        n.stop();
        return n;
    }

    private static Path data(SimNode n) {
        return n.config().node().dataDir();
    }

    private static void appendSignedBy(NodeKey key, Path dataDir, int entries) throws Exception {
        try (Ledger l = Ledger.open(dataDir, key, java.time.Clock.systemUTC(), 64 << 20, FsyncMode.BATCH, EntryVisitor.NONE)) {
            if (l.lastSeq() == 0) {
                l.append(EntryKind.BOOT, new BootRecord("node-1", key.publicKey(), new Roster(List.of(
                        new Member("node-1", key.publicKey(), Set.of(Role.VOTER)))), 1,
                        new BootRecord.Policy(2, 60_000, 30_000, 1_000), "test", 1).toJson());
            }
            for (int i = 0; i < entries; i++) {
                l.append(EntryKind.OBSERVATION, Json.object().put("peer", key.nodeId().hex()).put("event", "online"));
            }
            l.commit();
        }
    }

    @Test
    void startupRefusesEntriesThisNodeDidNotSign() throws Exception {
        SimNode n = runAndStop(81);
        // Chain and CRC intact, signatures by someone else: the landed code started on this ledger.
        appendSignedBy(NodeKey.fromSeed(new byte[32]), data(n), 3);
        LedgerException e = assertThrows(LedgerException.class, n::start);
        assertTrue(e.getMessage().contains("seal signature does not verify"), e.getMessage());
    }

    @Test
    void anOrderlyStopLeavesAMarkThroughItsLastEntry() throws Exception {
        SimNode n = runAndStop(82);
        Optional<VerifiedMark> mark = Ledger.verifiedMark(data(n), n.key());
        assertTrue(mark.isPresent());
        long last = LedgerScanner.scan(Ledger.directory(data(n)), EntryVisitor.NONE).lastSeq();
        assertEquals(last, mark.get().seq());
        n.start();
        n.stop();
        assertTrue(Ledger.verifiedMark(data(n), n.key()).orElseThrow().seq() > last, "each start moves it on");
    }

    @Test
    void aLedgerReplacedAfterVerificationStopsStartup() throws Exception {
        SimNode n = runAndStop(83);
        long marked = Ledger.verifiedMark(data(n), n.key()).orElseThrow().seq();
        // Another history under the same key (an old backup restored, a rewritten ledger): as long as the
        // first, but not the one that was verified.
        for (Path p : LedgerScanner.segments(Ledger.directory(data(n)))) {
            Files.delete(p);
        }
        appendSignedBy(n.key(), data(n), (int) marked + 5);
        LedgerException e = assertThrows(LedgerException.class, n::start);
        assertTrue(e.getMessage().contains("differs from the one verified"), e.getMessage());
    }

    @Test
    void aLedgerShorterThanItsMarkStopsStartup() throws Exception {
        SimNode n = runAndStop(84);
        for (Path p : LedgerScanner.segments(Ledger.directory(data(n)))) {
            Files.delete(p);
        }
        appendSignedBy(n.key(), data(n), 2);
        LedgerException e = assertThrows(LedgerException.class, n::start);
        assertTrue(e.getMessage().contains("durable entries are missing"), e.getMessage());
    }
}
