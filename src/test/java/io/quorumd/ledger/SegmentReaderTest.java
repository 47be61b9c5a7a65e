package io.quorumd.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reading stored entries back by seq while the ledger is open (what serving history to a peer does): any
 * run of seqs across any segments comes back byte for byte, nothing beyond the durable seq is read, the
 * offsets the reader keeps stay bounded, and damage is an error, never a wrong entry.
 */
class SegmentReaderTest {
    private static final int ENTRIES = 400; // written; the ledger holds their seals besides
    private static final long SEGMENT_BYTES = 8192;

    @TempDir
    Path dir;

    private static void assertSame(List<LedgerEntry> expected, List<LedgerEntry> got, String what) {
        assertEquals(expected.size(), got.size(), what);
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i).canonicalBytes(), got.get(i).canonicalBytes(), what + ": entry " + i);
        }
    }

    @Test
    void readsAnEntryOfTheSecondSegmentAndRunsThatCrossSegments() throws Exception {
        LedgerFixture.write(dir, ENTRIES, SEGMENT_BYTES);
        List<Path> segments = LedgerScanner.segments(Ledger.directory(dir));
        assertTrue(segments.size() >= 3, "segments: " + segments.size());
        List<LedgerEntry> all = LedgerFixture.readAll(dir);
        long second = SegmentFormat.firstSeqOf(segments.get(1));
        long third = SegmentFormat.firstSeqOf(segments.get(2));
        SegmentReader reader = new SegmentReader(Ledger.directory(dir), all::size);

        assertSame(List.of(all.get((int) second)), reader.read(new long[] {second + 1}), "one entry of the second segment");
        long[] run = {1, second - 1, second, second + 2, third, all.size()};
        List<LedgerEntry> expected = new ArrayList<>();
        for (long s : run) {
            expected.add(all.get((int) s - 1));
        }
        assertSame(expected, reader.read(run), "a run across segments");
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void anyAscendingSetOfSeqsComesBackAsStored(long seed) throws Exception {
        LedgerFixture.write(dir, ENTRIES, SEGMENT_BYTES);
        List<LedgerEntry> all = LedgerFixture.readAll(dir);
        int stored = all.size();
        SegmentReader reader = new SegmentReader(Ledger.directory(dir), all::size);
        Random r = new Random(seed);
        for (int round = 0; round < 20; round++) {
            List<Long> seqs = new ArrayList<>();
            for (long s = 1 + r.nextInt(stored); s <= stored && seqs.size() < 100; s += 1 + r.nextInt(12)) {
                seqs.add(s);
            }
            List<LedgerEntry> expected = seqs.stream().map(s -> all.get((int) (s - 1))).toList();
            assertSame(expected, reader.read(seqs.stream().mapToLong(Long::longValue).toArray()),
                    "seed " + seed + " round " + round);
        }
        assertTrue(reader.marks() <= stored / SegmentReader.MARK_EVERY, "offsets kept: " + reader.marks());
    }

    @Test
    void anAppendedEntryIsNotReadBeforeItsGroupCommit() throws Exception {
        LedgerFixture.write(dir, 20, SEGMENT_BYTES);
        long stored = LedgerFixture.readAll(dir).size();
        try (Ledger l = LedgerFixture.open(dir, SEGMENT_BYTES, EntryVisitor.NONE)) {
            SegmentReader reader = l.reader();
            LedgerEntry pending = l.append(EntryKind.OBSERVATION, LedgerFixture.observation(21));
            assertEquals(stored, l.durableSeq());
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> reader.read(new long[] {stored - 1, stored + 1}));
            assertTrue(refused.getMessage().contains("not durable"), refused.getMessage());
            assertEquals(stored, reader.read(new long[] {stored}).get(0).seq(), "what is durable still reads");
            l.commit();
            assertEquals(stored + 2, l.durableSeq(), "the entry and its seal");
            assertArrayEquals(pending.canonicalBytes(), reader.read(new long[] {stored + 1}).get(0).canonicalBytes());
        }
    }

    @Test
    void seqsOutOfOrderAreRefused() throws Exception {
        LedgerFixture.write(dir, 20, SEGMENT_BYTES);
        SegmentReader reader = new SegmentReader(Ledger.directory(dir), () -> 20);
        assertThrows(IllegalArgumentException.class, () -> reader.read(new long[] {5, 5}));
        assertThrows(IllegalArgumentException.class, () -> reader.read(new long[] {0}));
    }

    @Test
    void aDamagedRecordIsAnErrorNotAnotherEntry() throws Exception {
        LedgerFixture.write(dir, ENTRIES, SEGMENT_BYTES);
        Path seg = LedgerScanner.segments(Ledger.directory(dir)).get(1);
        long first = SegmentFormat.firstSeqOf(seg);
        int offset = LedgerFixture.recordOffsets(seg).get(3);
        byte[] bytes = Files.readAllBytes(seg);
        bytes[offset + 4 + 10] ^= 1; // inside the payload of the segment's fourth record
        Files.write(seg, bytes);
        SegmentReader reader = new SegmentReader(Ledger.directory(dir), () -> ENTRIES);
        IOException e = assertThrows(IOException.class, () -> reader.read(new long[] {first + 3}));
        assertTrue(e.getMessage().contains("CRC32C"), e.getMessage());
        assertEquals(first + 4, reader.read(new long[] {first + 4}).get(0).seq(), "the records around it still read");

        ByteBuffer.wrap(bytes, offset, 4).putInt(0); // an impossible length: the walk past it cannot go on
        Files.write(seg, bytes);
        IOException walk = assertThrows(IOException.class, () -> new SegmentReader(Ledger.directory(dir), () -> ENTRIES)
                .read(new long[] {first + 5}));
        assertTrue(walk.getMessage().contains("impossible"), walk.getMessage());
    }
}
