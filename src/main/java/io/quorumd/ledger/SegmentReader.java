package io.quorumd.ledger;

import io.quorumd.wire.DecodeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Reads stored entries back by seq while the ledger is open (to serve history to a peer): from the segment
 * whose name says it holds the seq, record by record ({@link SegmentFormat}), each entry read checked by its
 * CRC32C and its seq. Only entries at or below the ledger's durable seq ({@link Ledger#durableSeq}) are read:
 * an appended entry is not on disk before its group commit, so asking for one is an IllegalArgumentException.
 * <p>
 * Finding a record means walking the length fields before it; so that no read walks a whole segment twice,
 * the reader keeps the file offset of every {@value #MARK_EVERY}th seq it walked past (at most one mark per
 * that many entries of the ledger, 16 bytes each), and starts a walk from the nearest mark or segment start
 * below what it wants. Same thread as the ledger's writer (the loop thread).
 */
public final class SegmentReader {
    static final int MARK_EVERY = 128;

    private final Path dir;
    private final LongSupplier durable;
    private final TreeMap<Long, Long> marks = new TreeMap<>();

    /** Reads the segments in {@code dir} (a ledger directory), up to the seq {@code durable} says is on disk. */
    public SegmentReader(Path dir, LongSupplier durable) {
        this.dir = dir;
        this.durable = durable;
    }

    /**
     * The entries at {@code seqs} (ascending, each at least 1), in that order. An IOException if a segment
     * cannot be read or a record does not check out where the chain says it is (the ledger was checked at
     * start: this is damage since).
     */
    public List<LedgerEntry> read(long[] seqs) throws IOException {
        return read(seqs, seqs.length, Long.MAX_VALUE);
    }

    /**
     * As {@link #read(long[])}, but only a prefix of {@code seqs}: the first {@code atLeast}, then more while their
     * payloads add up to at most {@code maxBytes} (an entry beyond that is not read). What a reader serving pages of
     * bounded size reads, however large the entries.
     */
    public List<LedgerEntry> read(long[] seqs, int atLeast, long maxBytes) throws IOException {
        long onDisk = durable.getAsLong();
        for (int i = 0; i < seqs.length; i++) {
            if (seqs[i] < 1 || (i > 0 && seqs[i] <= seqs[i - 1])) {
                throw new IllegalArgumentException("seqs must be ascending and positive");
            }
            if (seqs[i] > onDisk) {
                throw new IllegalArgumentException("entry " + seqs[i] + " is not durable yet (on disk through " + onDisk + ")");
            }
        }
        List<LedgerEntry> out = new ArrayList<>(seqs.length);
        List<Path> segments = LedgerScanner.segments(dir);
        long bytes = 0;
        int i = 0;
        while (i < seqs.length) {
            int s = segmentOf(segments, seqs[i]);
            Path file = segments.get(s);
            long first = SegmentFormat.firstSeqOf(file);
            long next = s + 1 < segments.size() ? SegmentFormat.firstSeqOf(segments.get(s + 1)) : Long.MAX_VALUE;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long seq = first;
                long pos = SegmentFormat.HEADER_BYTES;
                for (; i < seqs.length && seqs[i] < next; i++) {
                    Map.Entry<Long, Long> mark = marks.floorEntry(seqs[i]);
                    if (mark != null && mark.getKey() > seq) { // marks below next lie in this segment
                        seq = mark.getKey();
                        pos = mark.getValue();
                    }
                    while (seq < seqs[i]) {
                        pos += SegmentFormat.FRAME_BYTES + length(ch, file, pos);
                        seq++;
                        if (seq % MARK_EVERY == 0) {
                            marks.put(seq, pos);
                        }
                    }
                    int len = length(ch, file, pos);
                    if (i >= atLeast && bytes + len > maxBytes) {
                        return out;
                    }
                    bytes += len;
                    out.add(entryAt(ch, file, pos, seq));
                }
            }
        }
        return out;
    }

    /** How many offsets the reader keeps (for tests of its memory bound). */
    int marks() {
        return marks.size();
    }

    /** The index of the segment holding {@code seq}: the last one named for a seq at or below it. */
    private static int segmentOf(List<Path> segments, long seq) throws IOException {
        int found = -1;
        for (int k = 0; k < segments.size() && SegmentFormat.firstSeqOf(segments.get(k)) <= seq; k++) {
            found = k;
        }
        if (found < 0) {
            throw new IOException("no ledger segment holds seq " + seq);
        }
        return found;
    }

    private static int length(FileChannel ch, Path file, long pos) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4);
        readFully(ch, b, pos, file);
        int len = b.getInt(0);
        if (len <= 0 || len > SegmentFormat.MAX_PAYLOAD) {
            throw new IOException(file + " at offset " + pos + ": record length " + len + " is impossible");
        }
        return len;
    }

    private static LedgerEntry entryAt(FileChannel ch, Path file, long pos, long seq) throws IOException {
        int len = length(ch, file, pos);
        ByteBuffer b = ByteBuffer.allocate(len + 4);
        readFully(ch, b, pos + 4, file);
        if (SegmentFormat.crc(b, 0, len) != b.getInt(len)) {
            throw new IOException(file + " at offset " + pos + ": CRC32C mismatch");
        }
        byte[] payload = new byte[len];
        b.get(0, payload);
        try {
            LedgerEntry e = EntryCodec.decode(payload);
            if (e.seq() != seq) {
                throw new IOException(file + " at offset " + pos + ": seq " + e.seq() + " where seq " + seq + " belongs");
            }
            return e;
        } catch (DecodeException e) {
            throw new IOException(file + " at offset " + pos + ": entry does not parse: " + e.getMessage(), e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos, Path file) throws IOException {
        long at = pos;
        while (b.hasRemaining()) {
            int n = ch.read(b, at);
            if (n < 0) {
                throw new IOException(file + ": ends at offset " + at + " inside a record");
            }
            at += n;
        }
    }
}
