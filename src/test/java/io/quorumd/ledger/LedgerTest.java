package io.quorumd.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Hashes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LedgerTest {
    @TempDir
    Path dir;

    @Test
    void entriesRoundTripWithSeqChainAndOneSealPerCommit() throws Exception {
        LedgerFixture.write(dir, 23, 64 << 20);
        List<LedgerEntry> all = LedgerFixture.readAll(dir);
        String prev = LedgerEntry.ZERO_HASH;
        long groupFrom = 1;
        int seals = 0;
        for (int i = 0; i < all.size(); i++) {
            LedgerEntry e = all.get(i);
            assertEquals(i + 1, e.seq());
            assertEquals(prev, e.prevHash());
            prev = Hashes.sha256(e.canonicalBytes()).hex();
            assertEquals(e.kind() == EntryKind.SEAL, e.signed(), "only seals carry a signature: " + e);
            if (e.kind() == EntryKind.SEAL) {
                assertEquals(groupFrom, e.data().get("from").longValue());
                groupFrom = e.seq() + 1;
                seals++;
            }
        }
        assertEquals(EntryKind.SEAL, all.get(all.size() - 1).kind());
        assertEquals(5, seals, "a commit after every 5th observation and one at the end");
        List<LedgerEntry> entries = LedgerFixture.read(dir);
        assertEquals(23, entries.size());
        assertEquals(EntryKind.BOOT, entries.get(0).kind());
        assertEquals(LedgerFixture.observation(22), entries.get(22).data());
        ScanResult full = LedgerScanner.scan(Ledger.directory(dir), new FullVerifier());
        assertTrue(full.intact(), full.toString());
    }

    @Test
    void reopenedLedgerContinuesTheChain() throws Exception {
        LedgerFixture.write(dir, 10, 64 << 20);
        int stored = LedgerFixture.readAll(dir).size();
        try (Ledger l = LedgerFixture.open(dir, 64 << 20, EntryVisitor.NONE)) {
            assertEquals(stored, l.lastSeq());
            l.append(EntryKind.SHUTDOWN, io.quorumd.wire.Json.object().put("reason", "test"));
            l.commit();
        }
        assertEquals(11, LedgerFixture.read(dir).size());
        assertTrue(LedgerScanner.scan(Ledger.directory(dir), new FullVerifier()).intact());
    }

    /** Any byte flip is detected; one before the last record is corruption, never a torn tail. */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void anySingleByteFlipIsDetected(long seed) throws Exception {
        LedgerFixture.write(dir, 40, 64 << 20);
        Path seg = LedgerFixture.onlySegment(dir);
        byte[] original = Files.readAllBytes(seg);
        List<Integer> offsets = LedgerFixture.recordOffsets(seg);
        int lastStart = offsets.get(offsets.size() - 1);
        Random rnd = new Random(seed);
        for (int trial = 0; trial < 60; trial++) {
            int pos = rnd.nextInt(original.length);
            byte[] flipped = original.clone();
            flipped[pos] ^= (byte) (1 << rnd.nextInt(8));
            Files.write(seg, flipped);
            ScanResult r = LedgerScanner.scan(Ledger.directory(dir), EntryVisitor.NONE);
            assertFalse(r.intact(), "seed " + seed + ": flip at " + pos + " went unnoticed");
            if (pos < lastStart) {
                assertTrue(r.corruption().isPresent(), "seed " + seed + ": flip at " + pos + " taken for a torn tail: " + r);
            }
        }
        Files.write(seg, original);
    }

    @Test
    void truncationAnywhereInTheLastGroupRecoversToThePreviousSeal() throws Exception {
        LedgerFixture.write(dir, 12, 64 << 20); // the last group: observation 11 and its seal
        Path seg = LedgerFixture.onlySegment(dir);
        byte[] original = Files.readAllBytes(seg);
        List<Integer> offsets = LedgerFixture.recordOffsets(seg);
        int groupStart = offsets.get(offsets.size() - 2);
        long previousSeal = offsets.size() - 2;
        for (int cut = groupStart + 1; cut < original.length; cut++) {
            Files.write(seg, java.util.Arrays.copyOf(original, cut));
            ScanResult r = LedgerScanner.scan(Ledger.directory(dir), EntryVisitor.NONE);
            int unsealed = cut >= offsets.get(offsets.size() - 1) ? 1 : 0; // observation 11 whole, its seal torn
            assertEquals(Optional.of(new ScanResult.TornTail(seg, groupStart, cut - groupStart, unsealed)), r.torn(),
                    "cut " + cut);
            assertEquals(previousSeal, r.lastSeq());
        }
        // A start truncates the tail and appends after the previous seal.
        try (Ledger l = LedgerFixture.open(dir, 64 << 20, EntryVisitor.NONE)) {
            assertEquals(previousSeal, l.lastSeq());
            l.append(EntryKind.OBSERVATION, LedgerFixture.observation(99));
            l.commit();
        }
        List<LedgerEntry> entries = LedgerFixture.read(dir);
        assertEquals(12, entries.size());
        assertEquals(LedgerFixture.observation(99), entries.get(11).data());
    }

    @Test
    void zeroFilledTailIsATornTail() throws Exception {
        LedgerFixture.write(dir, 5, 64 << 20);
        Path seg = LedgerFixture.onlySegment(dir);
        long size = Files.size(seg);
        Files.write(seg, new byte[300], java.nio.file.StandardOpenOption.APPEND);
        ScanResult r = LedgerScanner.scan(Ledger.directory(dir), EntryVisitor.NONE);
        assertEquals(Optional.of(new ScanResult.TornTail(seg, size, 300, 0)), r.torn());
    }

    @Test
    void lengthFlipMidFileIsCorruptionNotATornTail() throws Exception {
        LedgerFixture.write(dir, 30, 64 << 20);
        Path seg = LedgerFixture.onlySegment(dir);
        byte[] b = Files.readAllBytes(seg);
        int victim = LedgerFixture.recordOffsets(seg).get(10);
        ByteBuffer.wrap(b).putInt(victim, b.length); // now claims to run past the end
        Files.write(seg, b);
        ScanResult r = LedgerScanner.scan(Ledger.directory(dir), EntryVisitor.NONE);
        assertTrue(r.corruption().isPresent(), r.toString());
        assertEquals(victim, r.corruption().get().offset());
        assertThrows(LedgerException.class, () -> LedgerFixture.open(dir, 64 << 20, EntryVisitor.NONE));
    }

    /** Rewrites record {@code index} of the segment with {@code replacement}, framed with a valid CRC. */
    private static void replaceRecord(Path seg, int index, byte[] replacement) throws IOException {
        byte[] b = Files.readAllBytes(seg);
        List<Integer> offsets = LedgerFixture.recordOffsets(seg);
        int start = offsets.get(index);
        int end = index + 1 < offsets.size() ? offsets.get(index + 1) : b.length;
        ByteBuffer framed = ByteBuffer.allocate(replacement.length + SegmentFormat.FRAME_BYTES);
        SegmentFormat.frame(replacement, framed);
        byte[] out = new byte[b.length - (end - start) + framed.capacity()];
        System.arraycopy(b, 0, out, 0, start);
        System.arraycopy(framed.array(), 0, out, start, framed.capacity());
        System.arraycopy(b, end, out, start + framed.capacity(), b.length - end);
        Files.write(seg, out);
    }

    @Test
    void brokenChainIsCorruptionEvenWithValidCrc() throws Exception {
        LedgerFixture.write(dir, 10, 64 << 20); // boot and observations 1-5, seal 7; observations 6-9, seal 12
        Path seg = LedgerFixture.onlySegment(dir);
        LedgerEntry ninth = LedgerFixture.readAll(dir).get(8);
        String wrongPrev = Hashes.sha256(new byte[] {1}).hex();
        LedgerEntry forged = new LedgerEntry(ninth.seq(), wrongPrev, ninth.ts(), ninth.kind(), ninth.data(), null);
        replaceRecord(seg, 8, forged.canonicalBytes());
        ScanResult r = LedgerScanner.scan(Ledger.directory(dir), EntryVisitor.NONE);
        assertTrue(r.corruption().orElseThrow().reason().contains("chain broken"), r.toString());
        assertEquals(7, r.lastSeq(), "the last seal before the break");
    }

    @Test
    void anEntryRewrittenWithTheChainMendedPassesCrcAndChainButNotTheSeal() throws Exception {
        LedgerFixture.write(dir, 8, 64 << 20); // boot and observations 1-5, seal 7; observations 6-7, seal 10
        Path seg = LedgerFixture.onlySegment(dir);
        List<LedgerEntry> all = LedgerFixture.readAll(dir);
        LedgerEntry last = all.get(8);
        ObjectNode changed = last.data().deepCopy().put("event", "forged");
        byte[] forged = new LedgerEntry(last.seq(), last.prevHash(), last.ts(), last.kind(), changed, null).canonicalBytes();
        replaceRecord(seg, 8, forged);
        LedgerEntry seal = all.get(9);
        replaceRecord(seg, 9, new LedgerEntry(seal.seq(), Hashes.sha256(forged).hex(), seal.ts(), seal.kind(), seal.data(),
                seal.sig()).canonicalBytes());
        assertTrue(LedgerScanner.scan(Ledger.directory(dir), EntryVisitor.NONE).intact());
        ScanResult full = LedgerScanner.scan(Ledger.directory(dir), new FullVerifier());
        assertTrue(full.corruption().orElseThrow().reason().contains("seq 10: seal signature does not verify"),
                full.toString());
    }

    @Test
    void aSealThatClaimsFewerEntriesThanItsGroupIsCorruption() throws Exception {
        LedgerFixture.write(dir, 8, 64 << 20);
        Path seg = LedgerFixture.onlySegment(dir);
        LedgerEntry seal = LedgerFixture.readAll(dir).get(9);
        ObjectNode data = io.quorumd.wire.Json.object().put("from", 9);
        replaceRecord(seg, 9, new LedgerEntry(seal.seq(), seal.prevHash(), seal.ts(), seal.kind(), data,
                LedgerFixture.KEY.sign(LedgerEntry.signingBytes(seal.seq(), seal.prevHash(), seal.ts(), seal.kind(), data)))
                .canonicalBytes());
        ScanResult r = LedgerScanner.scan(Ledger.directory(dir), EntryVisitor.NONE);
        assertTrue(r.corruption().orElseThrow().reason().contains("seals from seq 9"), r.toString());
    }

    @Test
    void aFormatOneLedgerVerifiesAndGoesOnInAFormatTwoSegment() throws Exception {
        LedgerFixture.writeFormat1(dir, 7);
        assertTrue(LedgerScanner.scan(Ledger.directory(dir), new FullVerifier()).intact());
        try (Ledger l = LedgerFixture.open(dir, 64 << 20, EntryVisitor.NONE)) {
            assertEquals(7, l.lastSeq());
            l.append(EntryKind.OBSERVATION, LedgerFixture.observation(70));
            l.commit();
        }
        List<Path> segments = LedgerScanner.segments(Ledger.directory(dir));
        assertEquals(List.of(SegmentFormat.fileName(1), SegmentFormat.fileName(8)),
                segments.stream().map(p -> p.getFileName().toString()).toList());
        assertEquals(SegmentFormat.SIGNED_ENTRIES, ByteBuffer.wrap(Files.readAllBytes(segments.get(0))).getInt(8));
        assertEquals(SegmentFormat.SEALED, ByteBuffer.wrap(Files.readAllBytes(segments.get(1))).getInt(8));
        FullVerifier v = new FullVerifier();
        assertTrue(LedgerScanner.scan(Ledger.directory(dir), v).intact());
        assertEquals(8, v.signaturesChecked(), "seven entry signatures, one seal");
        assertEquals(LedgerFixture.observation(70), LedgerFixture.read(dir).get(7).data());
    }

    @Test
    void aTamperedFormatOneEntryFailsTheFullCheck() throws Exception {
        LedgerFixture.writeFormat1(dir, 8);
        Path seg = LedgerFixture.onlySegment(dir);
        LedgerEntry last = LedgerFixture.read(dir).get(7);
        ObjectNode changed = last.data().deepCopy().put("event", "forged");
        replaceRecord(seg, 7, new LedgerEntry(last.seq(), last.prevHash(), last.ts(), last.kind(), changed, last.sig())
                .canonicalBytes());
        assertTrue(LedgerScanner.scan(Ledger.directory(dir), EntryVisitor.NONE).intact());
        ScanResult full = LedgerScanner.scan(Ledger.directory(dir), new FullVerifier());
        assertTrue(full.corruption().orElseThrow().reason().contains("entry signature does not verify"), full.toString());
    }

    @Test
    void aFormatOneSegmentAfterAFormatTwoOneIsCorruption() throws Exception {
        LedgerFixture.write(dir, 3, 64 << 20);
        Path ledgerDir = Ledger.directory(dir);
        long next = LedgerFixture.readAll(dir).size() + 1;
        Files.write(ledgerDir.resolve(SegmentFormat.fileName(next)), SegmentFormat.header(SegmentFormat.SIGNED_ENTRIES)
                .array());
        ScanResult r = LedgerScanner.scan(ledgerDir, EntryVisitor.NONE);
        assertTrue(r.corruption().orElseThrow().reason().contains("after a format-2 one"), r.toString());
    }

    @Test
    void completeEntriesWithoutTheirSealAreATornTailThatReplayNeverSees() throws Exception {
        LedgerFixture.write(dir, 6, 64 << 20); // boot and observations 1-5, seal 7
        try (Ledger l = LedgerFixture.open(dir, 64 << 20, EntryVisitor.NONE)) {
            l.append(EntryKind.OBSERVATION, LedgerFixture.observation(60));
            l.append(EntryKind.OBSERVATION, LedgerFixture.observation(61));
            l.injectFaults(p -> {
                if (p == FaultPoint.BEFORE_SEAL) {
                    throw new IOException("crash before the seal (injected)");
                }
            });
            assertThrows(LedgerException.class, l::commit);
        }
        List<LedgerEntry> seen = new ArrayList<>();
        ScanResult r = LedgerScanner.scan(Ledger.directory(dir), (e, p) -> {
            seen.add(e);
            return Optional.empty();
        });
        assertEquals(2, r.torn().orElseThrow().unsealed());
        assertEquals(7, r.lastSeq());
        assertEquals(7, seen.size(), "the unsealed entries are never replayed");
        try (Ledger l = LedgerFixture.open(dir, 64 << 20, EntryVisitor.NONE)) {
            assertEquals(7, l.lastSeq());
        }
        assertTrue(LedgerScanner.scan(Ledger.directory(dir), new FullVerifier()).intact());
    }

    @Test
    void entryBySomeoneElsesKeyFailsTheFullCheck() throws Exception {
        LedgerFixture.write(dir, 3, 64 << 20);
        try (Ledger other = Ledger.open(dir, LedgerFixture.PEER, new io.quorumd.sim.VirtualClock(1), 64 << 20,
                io.quorumd.config.QuorumdConfig.FsyncMode.BATCH, EntryVisitor.NONE)) {
            other.append(EntryKind.OBSERVATION, LedgerFixture.observation(1));
            other.commit();
        }
        ScanResult full = LedgerScanner.scan(Ledger.directory(dir), new FullVerifier());
        assertTrue(full.corruption().orElseThrow().reason().startsWith("seq 6: seal signature does not verify"),
                full.toString());
    }

    @Test
    void rollsOverAcrossSegmentsNamedByFirstSeq() throws Exception {
        LedgerFixture.write(dir, 60, 4096);
        List<Path> segments = LedgerScanner.segments(Ledger.directory(dir));
        assertTrue(segments.size() >= 4, "segments: " + segments.size());
        for (Path s : segments) {
            assertTrue(Files.size(s) <= 4096, s + " is " + Files.size(s) + " bytes");
        }
        List<LedgerEntry> entries = LedgerFixture.read(dir);
        assertEquals(60, entries.size());
        int stored = LedgerFixture.readAll(dir).size();
        long expectedFirst = 1;
        for (Path s : segments) {
            assertEquals(expectedFirst, SegmentFormat.firstSeqOf(s));
            expectedFirst += LedgerFixture.recordOffsets(s).size();
        }
        try (Ledger l = LedgerFixture.open(dir, 4096, EntryVisitor.NONE)) {
            assertEquals(stored, l.lastSeq());
            assertEquals(segments.size(), l.segments());
        }
        assertTrue(LedgerScanner.scan(Ledger.directory(dir), new FullVerifier()).intact());
    }

    @Test
    void segmentMissingFromTheMiddleIsCorruption() throws Exception {
        LedgerFixture.write(dir, 60, 4096);
        List<Path> segments = LedgerScanner.segments(Ledger.directory(dir));
        Files.delete(segments.get(1));
        ScanResult r = LedgerScanner.scan(Ledger.directory(dir), EntryVisitor.NONE);
        assertEquals(segments.get(2), r.corruption().orElseThrow().file());
    }

    @Test
    void firstIoErrorStopsAllFurtherAppends() throws Exception {
        try (Ledger l = LedgerFixture.open(dir, 64 << 20, EntryVisitor.NONE)) {
            l.append(EntryKind.BOOT, LedgerFixture.boot());
            l.injectFaults(p -> {
                throw new IOException("disk full (injected)");
            });
            assertThrows(LedgerException.class, l::commit);
            assertTrue(l.failed());
            assertThrows(IllegalStateException.class, () -> l.append(EntryKind.OBSERVATION, LedgerFixture.observation(1)));
            assertThrows(IllegalStateException.class, l::commit);
        }
    }

    @Test
    void secondWriterOnTheSameDataDirIsRefused() throws Exception {
        try (Ledger first = LedgerFixture.open(dir, 64 << 20, EntryVisitor.NONE)) {
            assertEquals(0, first.lastSeq());
            LedgerException e = assertThrows(LedgerException.class, () -> LedgerFixture.open(dir, 64 << 20, EntryVisitor.NONE));
            assertTrue(e.getMessage().contains("in use by another quorumd process"), e.getMessage());
        }
        LedgerFixture.open(dir, 64 << 20, EntryVisitor.NONE).close();
    }

    @Test
    void emptyOrForeignFilesAreRefusedClearly() throws Exception {
        Path ledgerDir = Files.createDirectories(Ledger.directory(dir));
        Files.write(ledgerDir.resolve(SegmentFormat.fileName(1)), "not a ledger at all, really".getBytes());
        LedgerException e = assertThrows(LedgerException.class, () -> LedgerFixture.open(dir, 64 << 20, EntryVisitor.NONE));
        assertTrue(e.getMessage().contains("bad magic") && e.getMessage().contains("offset 0"), e.getMessage());
        List<String> names = new ArrayList<>();
        try (var s = Files.list(ledgerDir)) {
            s.forEach(p -> names.add(p.getFileName().toString()));
        }
        names.remove("LOCK");
        assertEquals(List.of(SegmentFormat.fileName(1)), names, "no segment was changed or added");
    }
}
