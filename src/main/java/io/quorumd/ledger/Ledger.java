package io.quorumd.ledger;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.config.QuorumdConfig.FsyncMode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.Hashes;
import io.quorumd.crypto.NodeKey;
import io.quorumd.wire.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's append-only, signed, hash-chained ledger in {@code <dataDir>/ledger/}. Opening it checks
 * every segment, truncates a torn tail (with a WARN giving the byte count and the unsealed entries), refuses to
 * open on any other corruption, and replays every entry to the given listener. {@link #append} chains an entry
 * in memory; {@link #commit} seals everything appended since the last commit with one signature over the chain
 * head (format 2, {@link SegmentFormat}), writes the group and its seal in one segment and fsyncs once
 * ({@code batch}; {@code always} syncs the file's metadata too) or never ({@code off}, benchmarks only). A
 * ledger whose last segment is format 1 goes on in a new format-2 segment. After the first I/O error the
 * ledger refuses all further work (fail-stop). Single-threaded: the loop thread only.
 */
public final class Ledger implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Ledger.class);

    private final Path dir;
    private final NodeKey key;
    private final Clock clock;
    private final long segmentBytes;
    private final FsyncMode fsync;
    private final List<byte[]> pending = new ArrayList<>();
    private FileChannel channel;
    private FileChannel lockFile;
    private long channelSize;
    private long syncedSize;
    private long lastSeq;
    private long durableSeq;
    private String lastHash;
    private long entriesTotal;
    private long bytesTotal;
    private int segmentCount;
    private IOException failure;
    /** This ledger's key was rotated by the {@code rekey} entry appended here: that key signs nothing more. */
    private boolean retired;
    private FaultPoint.Injector faults = p -> { };

    private Ledger(Path dir, NodeKey key, Clock clock, long segmentBytes, FsyncMode fsync) {
        this.dir = dir;
        this.key = key;
        this.clock = clock;
        this.segmentBytes = segmentBytes;
        this.fsync = fsync;
    }

    public static Path directory(Path dataDir) {
        return dataDir.resolve("ledger");
    }

    /**
     * Opens (creating if needed) the ledger of {@code dataDir}, recovering and replaying it. Whatever goes
     * wrong — corruption, an I/O error, a replay that throws — the LOCK is released before the error leaves.
     */
    public static Ledger open(Path dataDir, NodeKey key, Clock clock, long segmentBytes, FsyncMode fsync,
                              EntryVisitor replay) throws IOException {
        Path dir = directory(dataDir);
        Files.createDirectories(dir);
        Ledger ledger = new Ledger(dir, key, clock, segmentBytes, fsync);
        ledger.lock();
        try {
            ledger.recover(dataDir, replay);
            return ledger;
        } catch (IOException | RuntimeException | Error e) {
            try {
                ledger.close(); // releases the LOCK: a failed open leaves nothing held
            } catch (IOException closeFailed) {
                e.addSuppressed(closeFailed);
            }
            throw e;
        }
    }

    private void recover(Path dataDir, EntryVisitor replay) throws IOException {
        ScanResult scan = LedgerScanner.scan(dir, replay);
        if (scan.corruption().isPresent()) {
            throw new LedgerException("ledger corrupt: " + scan.corruption().get()
                    + " (inspect with: quorumd ledger verify " + dataDir + " --full)");
        }
        lastSeq = scan.lastSeq();
        durableSeq = lastSeq;
        lastHash = scan.lastHash();
        entriesTotal = scan.entries();
        if (scan.torn().isPresent()) {
            ScanResult.TornTail t = scan.torn().get();
            LOG.atWarn().addKeyValue("file", t.file()).addKeyValue("offset", t.offset()).addKeyValue("bytes", t.bytes())
                    .addKeyValue("unsealed_entries", t.unsealed()).log("ledger: torn tail truncated");
        }
        openTail(scan);
    }

    /** The verified mark of {@code dataDir}'s ledger signed by {@code key}, if any (read before {@link #open}). */
    public static Optional<VerifiedMark> verifiedMark(Path dataDir, NodeKey key) {
        return VerifiedMark.read(directory(dataDir), key.publicKey());
    }

    /**
     * Records that every entry up to the last one is verified (see {@link VerifiedMark}); only with nothing
     * pending, so the mark never covers an entry that is not on disk.
     */
    public void markVerified() throws IOException {
        checkUsable();
        if (!pending.isEmpty()) {
            throw new IllegalStateException("entries are pending; commit before marking the ledger verified");
        }
        new VerifiedMark(lastSeq, lastHash).write(dir, key, fsync != FsyncMode.OFF);
    }

    /** One writer per data dir: a second process (or a second open in this one) is refused. */
    private void lock() throws IOException {
        lockFile = FileChannel.open(dir.resolve("LOCK"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock held;
        try {
            held = lockFile.tryLock();
        } catch (OverlappingFileLockException e) {
            held = null;
        }
        if (held == null) {
            lockFile.close();
            throw new LedgerException("the ledger in " + dir + " is in use by another quorumd process; stop that process"
                    + " first, or give this node its own node.dataDir");
        }
    }

    private void openTail(ScanResult scan) throws IOException {
        List<Path> segments = scan.segments();
        if (segments.isEmpty()) {
            startSegment(1);
            return;
        }
        Path last = segments.get(segments.size() - 1);
        long keep = scan.validEndOfLast();
        channel = FileChannel.open(last, StandardOpenOption.READ, StandardOpenOption.WRITE);
        if (keep <= SegmentFormat.HEADER_BYTES) { // no entry: (re)written as a segment of the current format
            channel.truncate(0);
            channel.write(SegmentFormat.header(), 0);
            keep = SegmentFormat.HEADER_BYTES;
        } else if (channel.size() > keep) {
            channel.truncate(keep);
        }
        channel.force(true);
        channel.position(keep);
        channelSize = keep;
        syncedSize = keep;
        segmentCount = segments.size();
        for (Path p : segments) {
            bytesTotal += Files.size(p);
        }
        if (keep > SegmentFormat.HEADER_BYTES && scan.lastFormat() != SegmentFormat.VERSION) {
            channel.close();
            startSegment(lastSeq + 1); // format-1 entries stay as they are; what follows is sealed
        }
    }

    private void startSegment(long firstSeq) throws IOException {
        Path file = dir.resolve(SegmentFormat.fileName(firstSeq));
        channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        ByteBuffer header = SegmentFormat.header();
        while (header.hasRemaining()) {
            channel.write(header);
        }
        if (fsync != FsyncMode.OFF) {
            channel.force(true);
            syncDirectory();
        }
        channelSize = SegmentFormat.HEADER_BYTES;
        syncedSize = channelSize;
        bytesTotal += channelSize;
        segmentCount++;
    }

    private void syncDirectory() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /** Chains a new entry; the seal of the next {@link #commit} signs it, and it is durable after that commit. */
    public LedgerEntry append(EntryKind kind, ObjectNode data) {
        checkUsable();
        if (retired) {
            throw new IllegalStateException("the rekey entry was this key's last: the ledger takes entries again once"
                    + " it is opened with the new key");
        }
        if (kind == EntryKind.SEAL) {
            throw new IllegalArgumentException("seals are the ledger's own: commit() writes them");
        }
        LedgerEntry entry = chain(kind, data, false);
        retired = kind == EntryKind.REKEY;
        return entry;
    }

    private LedgerEntry chain(EntryKind kind, ObjectNode data, boolean sign) {
        long seq = lastSeq + 1;
        long ts = clock.millis();
        Bytes sig = sign ? key.sign(LedgerEntry.signingBytes(seq, lastHash, ts, kind, data)) : null;
        LedgerEntry entry = new LedgerEntry(seq, lastHash, ts, kind, data, sig);
        byte[] payload = entry.canonicalBytes();
        if (payload.length > SegmentFormat.MAX_PAYLOAD) {
            throw new IllegalArgumentException("ledger entry of " + payload.length + " bytes exceeds "
                    + SegmentFormat.MAX_PAYLOAD);
        }
        pending.add(payload);
        lastSeq = seq;
        lastHash = Hashes.sha256(payload).hex();
        return entry;
    }

    public boolean hasPending() {
        return !pending.isEmpty();
    }

    /**
     * Seals every pending entry (one signature over the chain head), writes them and the seal to one segment and
     * makes them durable per the fsync mode; the first I/O error is final.
     */
    public void commit() throws LedgerException {
        checkUsable();
        if (pending.isEmpty()) {
            return;
        }
        long from = lastSeq - pending.size() + 1;
        chain(EntryKind.SEAL, Json.object().put("from", from), true);
        try {
            if (channelSize + framedBytes(pending) > segmentBytes && channelSize > SegmentFormat.HEADER_BYTES) {
                roll(from); // a group never spans two segments
            }
            int sealAt = pending.size() - 1;
            write(pending.subList(0, sealAt));
            faults.at(FaultPoint.BEFORE_SEAL);
            write(pending.subList(sealAt, pending.size()));
            entriesTotal += pending.size();
            pending.clear();
            faults.at(FaultPoint.AFTER_WRITE);
            if (fsync != FsyncMode.OFF) {
                channel.force(fsync == FsyncMode.ALWAYS);
                syncedSize = channelSize;
            }
            durableSeq = lastSeq;
            faults.at(FaultPoint.AFTER_SYNC);
        } catch (IOException e) {
            failure = e;
            LOG.atError().addKeyValue("dir", dir).addKeyValue("error", e.getMessage())
                    .log("ledger write failed; refusing further appends");
            throw new LedgerException("ledger write failed in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static long framedBytes(List<byte[]> payloads) {
        long bytes = 0;
        for (byte[] p : payloads) {
            bytes += (long) p.length + SegmentFormat.FRAME_BYTES;
        }
        return bytes;
    }

    /** Writes {@code payloads}, framed, at the end of the segment. */
    private void write(List<byte[]> payloads) throws IOException {
        long bytes = framedBytes(payloads);
        if (bytes == 0) {
            return;
        }
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(bytes));
        for (byte[] p : payloads) {
            SegmentFormat.frame(p, buf);
        }
        buf.flip();
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
        channelSize += bytes;
        bytesTotal += bytes;
    }

    private void roll(long firstSeq) throws IOException {
        if (fsync != FsyncMode.OFF) {
            channel.force(false);
        }
        channel.close();
        startSegment(firstSeq);
    }

    private void checkUsable() {
        if (failure != null) {
            throw new IllegalStateException("ledger stopped after an I/O error: " + failure.getMessage());
        }
    }

    public long lastSeq() {
        return lastSeq;
    }

    /**
     * The last seq a {@link #commit} wrote out (and fsynced, per the fsync mode): entries appended since are in
     * memory only, and nothing may read them from the segment files yet.
     */
    public long durableSeq() {
        return durableSeq;
    }

    /** A reader of this ledger's entries by seq, which reads only what is durable (for serving history). */
    public SegmentReader reader() {
        return new SegmentReader(dir, this::durableSeq);
    }

    public long entries() {
        return entriesTotal;
    }

    public long bytes() {
        return bytesTotal;
    }

    public int segments() {
        return segmentCount;
    }

    /** Bytes of the current segment known to be on disk; for crash tests. */
    long syncedSize() {
        return syncedSize;
    }

    /** Test hook: called at each {@link FaultPoint} of a commit; may throw to simulate a crash. */
    void injectFaults(FaultPoint.Injector faults) {
        this.faults = faults;
    }

    public boolean failed() {
        return failure != null;
    }

    @Override
    public void close() throws IOException {
        try {
            if (channel != null && channel.isOpen()) {
                if (failure == null && fsync != FsyncMode.OFF) {
                    channel.force(false);
                }
                channel.close();
            }
        } finally {
            if (lockFile != null && lockFile.isOpen()) {
                lockFile.close();
            }
        }
    }
}
