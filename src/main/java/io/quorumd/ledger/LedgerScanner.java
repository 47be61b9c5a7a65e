package io.quorumd.ledger;

import io.quorumd.crypto.Hashes;
import io.quorumd.wire.DecodeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads every segment of a ledger directory in order and checks framing, CRC32C, entry syntax, sequence
 * numbers and the hash chain. Read-only. A record that runs past the end of the last segment is a torn
 * tail only when no intact record follows it (a flipped length field mid-file is corruption, not a tail);
 * a zero-filled remainder of the last segment is a torn tail too. In a format-2 segment, entries are handed to
 * the visitor only once the seal that follows them is read; entries after the last seal of the last segment are
 * part of the torn tail, and in any other segment corruption.
 */
public final class LedgerScanner {
    private static final byte[] ENTRY_START = "{\"data\":".getBytes(StandardCharsets.US_ASCII);

    private LedgerScanner() {
    }

    public static List<Path> segments(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(SegmentFormat::isSegment).sorted().toList();
        }
    }

    public static ScanResult scan(Path dir, EntryVisitor visitor) throws IOException {
        List<Path> segments = segments(dir);
        State st = new State();
        for (int i = 0; i < segments.size(); i++) {
            Path file = segments.get(i);
            boolean last = i == segments.size() - 1;
            Optional<Object> problem = scanSegment(file, last, st, visitor);
            if (problem.isPresent()) {
                Object p = problem.get();
                return new ScanResult(st.entries, st.seq, st.hash, segments, st.validEnd, st.format,
                        p instanceof ScanResult.TornTail t ? Optional.of(t) : Optional.empty(),
                        p instanceof ScanResult.Corruption c ? Optional.of(c) : Optional.empty());
            }
        }
        return new ScanResult(st.entries, st.seq, st.hash, segments, st.validEnd, st.format, Optional.empty(),
                Optional.empty());
    }

    /** Chain position carried from one segment to the next: the last entry taken (sealed, in format 2). */
    private static final class State {
        long entries;
        long seq;
        String hash = LedgerEntry.ZERO_HASH;
        long validEnd;
        int format;
        int newest;
    }

    /** A format-2 entry read but not yet sealed: where it starts, and what it is. */
    private record Unsealed(LedgerEntry entry, byte[] payload, int pos) {
    }

    private static Optional<Object> scanSegment(Path file, boolean last, State st, EntryVisitor visitor)
            throws IOException {
        long expectedFirst = st.seq + 1;
        if (SegmentFormat.firstSeqOf(file) != expectedFirst) {
            return corrupt(file, 0, "segment is named for seq " + SegmentFormat.firstSeqOf(file) + " but the chain"
                    + " continues at seq " + expectedFirst);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                return corrupt(file, 0, "segment larger than 2 GiB");
            }
            MappedByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            int n = (int) size;
            st.validEnd = 0;
            st.format = 0;
            if (n < SegmentFormat.HEADER_BYTES) {
                if (last && allZeroOrPrefixOfHeader(buf, n)) {
                    return Optional.of(new ScanResult.TornTail(file, 0, n, 0));
                }
                return corrupt(file, 0, "segment header is incomplete");
            }
            byte[] magic = new byte[SegmentFormat.MAGIC.length];
            buf.get(0, magic);
            if (!Arrays.equals(magic, SegmentFormat.MAGIC)) {
                return corrupt(file, 0, "not a quorumd ledger segment (bad magic)");
            }
            int version = buf.getInt(SegmentFormat.MAGIC.length);
            if (!SegmentFormat.readable(version)) {
                return corrupt(file, SegmentFormat.MAGIC.length, "unsupported segment format version " + version);
            }
            if (version < st.newest) {
                return corrupt(file, SegmentFormat.MAGIC.length, "a format-" + version + " segment after a format-"
                        + st.newest + " one: segments are never written in an older format");
            }
            st.format = version;
            st.newest = version;
            boolean sealed = version == SegmentFormat.SEALED;
            List<Unsealed> unsealed = new ArrayList<>();
            long seq = st.seq;
            String hash = st.hash;
            int pos = SegmentFormat.HEADER_BYTES;
            st.validEnd = pos;
            while (pos < n) {
                int remaining = n - pos;
                int tailStart = unsealed.isEmpty() ? pos : unsealed.get(0).pos();
                if (remaining < SegmentFormat.FRAME_BYTES) {
                    return tornOrCorrupt(file, buf, pos, tailStart, n, last, unsealed.size(), "record header is incomplete");
                }
                int len = buf.getInt(pos);
                if (len == 0 && allZero(buf, pos, n)) {
                    return tornOrCorrupt(file, buf, pos, tailStart, n, last, unsealed.size(), "zero-filled space");
                }
                if (len <= 0 || len > SegmentFormat.MAX_PAYLOAD) {
                    return corrupt(file, pos, "record length " + len + " is impossible");
                }
                if ((long) len + SegmentFormat.FRAME_BYTES > remaining) {
                    return tornOrCorrupt(file, buf, pos, tailStart, n, last, unsealed.size(),
                            "record of " + len + " bytes runs past the end");
                }
                int stored = buf.getInt(pos + 4 + len);
                if (SegmentFormat.crc(buf, pos + 4, len) != stored) {
                    return corrupt(file, pos, "CRC32C mismatch");
                }
                byte[] payload = new byte[len];
                buf.get(pos + 4, payload);
                LedgerEntry entry;
                try {
                    entry = EntryCodec.decode(payload, version);
                } catch (DecodeException e) {
                    return corrupt(file, pos, "entry does not parse: " + e.getMessage());
                }
                if (entry.seq() != seq + 1) {
                    return corrupt(file, pos, "chain broken: seq " + entry.seq() + " follows seq " + seq);
                }
                if (!entry.prevHash().equals(hash)) {
                    return corrupt(file, pos, "chain broken: prevHash of seq " + entry.seq() + " is not the hash of seq " + seq);
                }
                seq = entry.seq();
                hash = Hashes.sha256(payload).hex();
                int end = pos + SegmentFormat.FRAME_BYTES + len;
                if (sealed && entry.kind() != EntryKind.SEAL) {
                    unsealed.add(new Unsealed(entry, payload, pos));
                    pos = end;
                    continue;
                }
                if (sealed) {
                    long from = entry.data().get("from").longValue();
                    long first = unsealed.isEmpty() ? entry.seq() : unsealed.get(0).entry().seq();
                    if (unsealed.isEmpty() || from != first) {
                        return corrupt(file, pos, "seal of seq " + entry.seq() + " says it seals from seq " + from
                                + ", but the entries since the previous seal begin at seq " + first);
                    }
                    for (Unsealed u : unsealed) {
                        Optional<String> rejected = visit(visitor, u.entry(), u.payload());
                        if (rejected.isPresent()) {
                            return corrupt(file, u.pos(), "seq " + u.entry().seq() + ": " + rejected.get());
                        }
                        st.entries++;
                    }
                    unsealed.clear();
                }
                Optional<String> rejected = visit(visitor, entry, payload);
                if (rejected.isPresent()) {
                    return corrupt(file, pos, "seq " + entry.seq() + ": " + rejected.get());
                }
                st.seq = seq;
                st.hash = hash;
                st.entries++;
                pos = end;
                st.validEnd = pos;
            }
            if (!unsealed.isEmpty()) {
                Unsealed first = unsealed.get(0);
                if (!last) {
                    return corrupt(file, first.pos(), unsealed.size() + " entries from seq " + first.entry().seq()
                            + " have no seal, in a segment that is not the last");
                }
                return Optional.of(new ScanResult.TornTail(file, first.pos(), n - first.pos(), unsealed.size()));
            }
            return Optional.empty();
        }
    }

    private static Optional<String> visit(EntryVisitor visitor, LedgerEntry entry, byte[] payload) {
        try {
            return visitor.visit(entry, payload);
        } catch (RuntimeException e) {
            return Optional.of("replay failed: " + e);
        }
    }

    private static Optional<Object> corrupt(Path file, long offset, String reason) {
        return Optional.of(new ScanResult.Corruption(file, offset, reason));
    }

    /**
     * A short last record is a torn write only if nothing intact follows it and it is in the last file; the tail
     * then starts at {@code tailStart}, the first entry no seal covers (or {@code pos}).
     */
    private static Optional<Object> tornOrCorrupt(Path file, ByteBuffer buf, int pos, int tailStart, int n, boolean last,
                                                  int unsealed, String what) {
        if (!last) {
            return corrupt(file, pos, what + " in a segment that is not the last");
        }
        int later = intactRecordAfter(buf, pos, n);
        if (later >= 0) {
            return corrupt(file, pos, what + ", yet an intact record follows at offset " + later);
        }
        return Optional.of(new ScanResult.TornTail(file, tailStart, n - tailStart, unsealed));
    }

    /** Offset of an intact record starting after {@code pos}, or -1. Entries start with {"data":. */
    private static int intactRecordAfter(ByteBuffer buf, int pos, int n) {
        for (int q = pos + 5; q + ENTRY_START.length <= n; q++) {
            if (!startsWith(buf, q, ENTRY_START)) {
                continue;
            }
            int start = q - 4;
            int len = buf.getInt(start);
            if (len > 0 && len <= SegmentFormat.MAX_PAYLOAD && (long) start + SegmentFormat.FRAME_BYTES + len <= n
                    && SegmentFormat.crc(buf, q, len) == buf.getInt(q + len)) {
                return start;
            }
        }
        return -1;
    }

    private static boolean startsWith(ByteBuffer buf, int at, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (buf.get(at + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean allZero(ByteBuffer buf, int from, int to) {
        for (int i = from; i < to; i++) {
            if (buf.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean allZeroOrPrefixOfHeader(ByteBuffer buf, int n) {
        ByteBuffer header = SegmentFormat.header();
        boolean prefix = true;
        for (int i = 0; i < n; i++) {
            prefix &= buf.get(i) == header.get(i);
        }
        return prefix || allZero(buf, 0, n);
    }
}
