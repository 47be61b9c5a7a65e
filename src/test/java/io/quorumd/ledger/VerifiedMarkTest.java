package io.quorumd.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifiedMarkTest {
    @TempDir
    Path dir;

    private static long checkedWith(Path dataDir, Optional<VerifiedMark> mark) throws Exception {
        FullVerifier v = new FullVerifier(mark);
        LedgerFixture.open(dataDir, 64 << 20, v).close();
        return v.signaturesChecked();
    }

    @Test
    void entriesUnderTheMarkAreNotVerifiedAgain() throws Exception {
        LedgerFixture.write(dir, 40, 64 << 20);
        int stored = LedgerFixture.readAll(dir).size();
        assertEquals(stored - 40, checkedWith(dir, Optional.empty()), "one signature per seal, none per entry");
        try (Ledger l = LedgerFixture.open(dir, 64 << 20, EntryVisitor.NONE)) {
            l.markVerified();
        }
        Optional<VerifiedMark> mark = Ledger.verifiedMark(dir, LedgerFixture.KEY);
        assertEquals(stored, mark.orElseThrow().seq());
        assertEquals(0, checkedWith(dir, mark));
        try (Ledger l = LedgerFixture.open(dir, 64 << 20, EntryVisitor.NONE)) {
            l.append(EntryKind.OBSERVATION, LedgerFixture.observation(1));
            l.commit();
        }
        assertEquals(1, checkedWith(dir, mark), "only what came after the mark: its one seal");
    }

    @Test
    void aMarkSignedByAnotherKeyOrGarbledIsIgnored() throws Exception {
        LedgerFixture.write(dir, 10, 64 << 20);
        Path ledgerDir = Ledger.directory(dir);
        new VerifiedMark(10, "0".repeat(64)).write(ledgerDir, LedgerFixture.PEER, false);
        assertTrue(VerifiedMark.read(ledgerDir, LedgerFixture.PEER.publicKey()).isPresent());
        assertFalse(Ledger.verifiedMark(dir, LedgerFixture.KEY).isPresent(), "not this node's signature");
        Files.writeString(ledgerDir.resolve(VerifiedMark.FILE), "{\"seq\":");
        assertFalse(Ledger.verifiedMark(dir, LedgerFixture.KEY).isPresent());
    }

    @Test
    void markIsRefusedWhileEntriesArePending() throws Exception {
        try (Ledger l = LedgerFixture.open(dir, 64 << 20, EntryVisitor.NONE)) {
            l.append(EntryKind.BOOT, LedgerFixture.boot());
            assertThrows(IllegalStateException.class, l::markVerified);
        }
    }

    @Test
    void lockIsReleasedWhenOpeningFails() throws Exception {
        LedgerFixture.write(dir, 5, 64 << 20);
        int stored = LedgerFixture.readAll(dir).size();
        LedgerException e = assertThrows(LedgerException.class, () -> LedgerFixture.open(dir, 64 << 20, (entry, p) -> {
            throw new IllegalStateException("replay bug");
        }));
        assertTrue(e.getMessage().contains("replay failed"), e.getMessage());
        try (Ledger again = LedgerFixture.open(dir, 64 << 20, EntryVisitor.NONE)) {
            assertEquals(stored, again.lastSeq(), "the LOCK was released: a second open in this process works");
        }
    }
}
