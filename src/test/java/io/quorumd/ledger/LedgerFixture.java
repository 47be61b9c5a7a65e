package io.quorumd.ledger;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.config.QuorumdConfig.FsyncMode;
import io.quorumd.crypto.NodeKey;
import io.quorumd.sim.VirtualClock;
import io.quorumd.wire.Json;
import io.quorumd.wire.Member;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Builds small ledgers for tests: a boot entry, then observations. */
final class LedgerFixture {
    static final NodeKey KEY = NodeKey.fromSeed(seed(7));
    static final NodeKey PEER = NodeKey.fromSeed(seed(8));
    static final Roster ROSTER = new Roster(List.of(new Member("me", KEY.publicKey(), Set.of(Role.VOTER)),
            new Member("peer", PEER.publicKey(), Set.of(Role.VOTER))));

    private LedgerFixture() {
    }

    static byte[] seed(int b) {
        byte[] s = new byte[32];
        s[0] = (byte) b;
        return s;
    }

    static Ledger open(Path dataDir, long segmentBytes, EntryVisitor replay) throws IOException {
        return Ledger.open(dataDir, KEY, new VirtualClock(1_800_000_000_000L), segmentBytes, FsyncMode.BATCH, replay);
    }

    static ObjectNode boot() {
        return new BootRecord("me", KEY.publicKey(), ROSTER, 1, new BootRecord.Policy(2, 60_000, 30_000, 1_000), "test", 1).toJson();
    }

    static ObjectNode observation(int i) {
        ObjectNode o = Json.object();
        o.put("peer", PEER.nodeId().hex());
        o.put("event", i % 2 == 0 ? "online" : "offline");
        o.put("n", i);
        return o;
    }

    /** A ledger of {@code n} entries (boot + observations), committed in batches of 5. */
    static void write(Path dataDir, int n, long segmentBytes) throws IOException {
        try (Ledger l = open(dataDir, segmentBytes, EntryVisitor.NONE)) {
            l.append(EntryKind.BOOT, boot());
            for (int i = 1; i < n; i++) {
                l.append(EntryKind.OBSERVATION, observation(i));
                if (i % 5 == 0) {
                    l.commit();
                }
            }
            l.commit();
        }
    }

    /** The entries of {@code dataDir}'s ledger without its seals. */
    static List<LedgerEntry> read(Path dataDir) throws IOException {
        return readAll(dataDir).stream().filter(e -> e.kind() != EntryKind.SEAL).toList();
    }

    /**
     * A format-1 ledger as releases before seals wrote it: one segment, a boot entry then {@code n - 1}
     * observations, every entry signed by {@link #KEY}.
     */
    static void writeFormat1(Path dataDir, int n) throws IOException {
        Path ledgerDir = Files.createDirectories(Ledger.directory(dataDir));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(SegmentFormat.header(SegmentFormat.SIGNED_ENTRIES).array());
        String prev = LedgerEntry.ZERO_HASH;
        for (int i = 0; i < n; i++) {
            EntryKind kind = i == 0 ? EntryKind.BOOT : EntryKind.OBSERVATION;
            ObjectNode data = i == 0 ? boot() : observation(i);
            long ts = 1_800_000_000_000L + i;
            LedgerEntry e = new LedgerEntry(i + 1, prev, ts, kind, data,
                    KEY.sign(LedgerEntry.signingBytes(i + 1, prev, ts, kind, data)));
            byte[] payload = e.canonicalBytes();
            java.nio.ByteBuffer framed = java.nio.ByteBuffer.allocate(payload.length + SegmentFormat.FRAME_BYTES);
            SegmentFormat.frame(payload, framed);
            out.write(framed.array());
            prev = io.quorumd.crypto.Hashes.sha256(payload).hex();
        }
        Files.write(ledgerDir.resolve(SegmentFormat.fileName(1)), out.toByteArray());
    }

    /** Every entry of {@code dataDir}'s ledger, seals included; it must be intact. */
    static List<LedgerEntry> readAll(Path dataDir) throws IOException {
        List<LedgerEntry> out = new ArrayList<>();
        ScanResult r = LedgerScanner.scan(Ledger.directory(dataDir), (e, p) -> {
            out.add(e);
            return java.util.Optional.empty();
        });
        if (!r.intact()) {
            throw new IllegalStateException("not intact: " + r);
        }
        return out;
    }

    static Path onlySegment(Path dataDir) throws IOException {
        List<Path> s = LedgerScanner.segments(Ledger.directory(dataDir));
        return s.get(s.size() - 1);
    }

    /** Offsets of every record in a segment, read from the framing. */
    static List<Integer> recordOffsets(Path segment) throws IOException {
        byte[] b = Files.readAllBytes(segment);
        List<Integer> out = new ArrayList<>();
        int pos = SegmentFormat.HEADER_BYTES;
        while (pos < b.length) {
            out.add(pos);
            int len = java.nio.ByteBuffer.wrap(b, pos, 4).getInt();
            pos += SegmentFormat.FRAME_BYTES + len;
        }
        return out;
    }
}
