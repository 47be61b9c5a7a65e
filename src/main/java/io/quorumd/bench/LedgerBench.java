package io.quorumd.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.config.QuorumdConfig.FsyncMode;
import io.quorumd.crypto.NodeKey;
import io.quorumd.ledger.BootRecord;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.EntryVisitor;
import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.ledger.ScanResult;
import io.quorumd.wire.Json;
import io.quorumd.wire.Member;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Ledger throughput on this machine's disk: appends/s with {@code fsync: batch} at several batch sizes
 * (one commit, so one fsync, per batch), then replay and {@code --full} verification of the largest
 * ledger written. Entries are observation-sized (~250 bytes of canonical JSON).
 */
public final class LedgerBench {
    /** One measurement. */
    public record Row(String what, long entries, double seconds) {
        public double perSecond() {
            return entries / seconds;
        }
    }

    private final Path workDir;
    private final NodeKey key = NodeKey.generate(new SecureRandom());

    public LedgerBench(Path workDir) {
        this.workDir = workDir;
    }

    /** Appends {@code entries} entries committing every {@code batch}; returns the run and leaves the ledger. */
    public Row append(Path dataDir, int batch, long entries, FsyncMode fsync) throws IOException {
        Roster roster = new Roster(List.of(new Member("bench", key.publicKey(), Set.of(Role.VOTER))));
        try (Ledger ledger = Ledger.open(dataDir, key, Clock.systemUTC(), 64L << 20, fsync, EntryVisitor.NONE)) {
            ledger.append(EntryKind.BOOT, new BootRecord("bench", key.publicKey(), roster, 1, new BootRecord.Policy(2, 60_000, 30_000, 1_000), "bench", 0).toJson());
            ledger.commit();
            long t0 = System.nanoTime();
            for (long i = 0; i < entries; i++) {
                ledger.append(EntryKind.OBSERVATION, observation(i));
                if ((i + 1) % batch == 0) {
                    ledger.commit();
                }
            }
            ledger.commit();
            return new Row("append batch=" + batch + " fsync=" + fsync.name().toLowerCase(), entries,
                    (System.nanoTime() - t0) / 1e9);
        }
    }

    public Row replay(Path dataDir) throws IOException {
        long t0 = System.nanoTime();
        ScanResult r = LedgerScanner.scan(Ledger.directory(dataDir), EntryVisitor.NONE);
        return new Row("replay (CRC + parse + chain)", r.entries(), (System.nanoTime() - t0) / 1e9);
    }

    public Row verifyFull(Path dataDir) throws IOException {
        long t0 = System.nanoTime();
        ScanResult r = LedgerScanner.scan(Ledger.directory(dataDir), new FullVerifier());
        return new Row("verify --full (+ Ed25519 per entry)", r.entries(), (System.nanoTime() - t0) / 1e9);
    }

    /** The standard run: batch sizes 1, 16, 256 with fsync, then replay and verify of the batch-256 ledger. */
    public List<Row> run(long scale) throws IOException {
        List<Row> rows = new ArrayList<>();
        Path largest = null;
        for (int batch : new int[] {1, 16, 256}) {
            Path d = Files.createTempDirectory(workDir, "ledger-b" + batch + "-");
            long n = batch == 1 ? 2_000 * scale : batch == 16 ? 20_000 * scale : 200_000 * scale;
            rows.add(append(d, batch, n, FsyncMode.BATCH));
            if (batch == 256) {
                largest = d;
            } else {
                delete(d);
            }
        }
        rows.add(replay(largest));
        rows.add(verifyFull(largest));
        delete(largest);
        return rows;
    }

    private static ObjectNode observation(long i) {
        ObjectNode o = Json.object();
        o.put("peer", "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
        o.put("name", "node-" + (i % 50));
        o.put("event", i % 2 == 0 ? "online" : "offline");
        o.put("cause", "first_seen");
        o.put("peerStartedAt", 1_800_000_000_000L + i);
        return o;
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
