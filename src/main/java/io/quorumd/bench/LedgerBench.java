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
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Heartbeat;
import io.quorumd.wire.Json;
import io.quorumd.wire.Member;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import java.io.IOException;
import java.io.UncheckedIOException;
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
 * Ledger throughput on this machine's disk, against the raw rates of the same run ({@link CryptoBench}): appends/s
 * with {@code fsync: batch} at several batch sizes (one commit, so one seal and one fsync, per batch), then replay
 * and {@code --full} verification of the largest ledger written, and a raw parse of that ledger's own payloads.
 * Entries are what a node stores most: half observations, half accepted peer messages (a signed heartbeat of one
 * of four peers), 250–400 bytes of canonical JSON each.
 */
public final class LedgerBench {
    /** One measurement; {@code signatures}: Ed25519 checks it made (verify only). */
    public record Row(String what, long entries, double seconds, long signatures) {
        public double perSecond() {
            return entries / seconds;
        }
    }

    /** One run's rows and the ratios the targets are stated in. */
    public record Result(CryptoBench.Baselines base, Row append1, Row append16, Row append256, Row replay, Row rawParse,
                         Row verifyFull) {
        public List<Row> rows() {
            return List.of(append1, append16, append256, replay, rawParse, verifyFull);
        }

        /** Appends/s at batch 256 over raw signs/s (target ≥ 3). */
        public double appendOverSign() {
            return append256.perSecond() / base.signsPerSecond();
        }

        /** Replayed entries/s over a raw Jackson parse of the same payloads (target ≥ 0.5). */
        public double replayOverParse() {
            return replay.perSecond() / rawParse.perSecond();
        }

        /** {@code --full} time over the raw verifier's time for the signatures it checked (target ≤ 1.3). */
        public double fullOverFloor() {
            return verifyFull.seconds() / base.verifyFloorSeconds(verifyFull.signatures());
        }
    }

    private final Path workDir;
    private final NodeKey key = NodeKey.generate(new SecureRandom());
    private final List<NodeKey> peers = Stream.generate(() -> NodeKey.generate(new SecureRandom())).limit(4).toList();
    private final Roster roster;
    private final List<Envelope> heartbeats = new ArrayList<>();

    public LedgerBench(Path workDir) {
        this.workDir = workDir;
        List<Member> members = new ArrayList<>();
        members.add(new Member("bench", key.publicKey(), Set.of(Role.VOTER)));
        for (int i = 0; i < peers.size(); i++) {
            members.add(new Member("peer-" + i, peers.get(i).publicKey(), Set.of(Role.VOTER)));
        }
        roster = new Roster(members);
        for (int i = 0; i < 64; i++) {
            EnvelopeSigner s = new EnvelopeSigner(peers.get(i % peers.size()), Clock.systemUTC());
            heartbeats.add(s.signAt(MessageType.PRESENCE_HEARTBEAT, new Heartbeat(1_800_000_000_000L, i),
                    1_800_000_000_000L + 1_000L * i));
        }
    }

    /** Appends {@code entries} entries committing every {@code batch}; returns the run and leaves the ledger. */
    public Row append(Path dataDir, int batch, long entries, FsyncMode fsync) throws IOException {
        try (Ledger ledger = Ledger.open(dataDir, key, Clock.systemUTC(), 64L << 20, fsync, EntryVisitor.NONE)) {
            ledger.append(EntryKind.BOOT, new BootRecord("bench", key.publicKey(), roster, 1,
                    new BootRecord.Policy(2, 60_000, 30_000, 1_000), "bench", 0).toJson());
            ledger.commit();
            long t0 = System.nanoTime();
            for (long i = 0; i < entries; i++) {
                if (i % 2 == 0) {
                    ledger.append(EntryKind.OBSERVATION, observation(i));
                } else {
                    ledger.append(EntryKind.ACCEPTED, accepted(i));
                }
                if ((i + 1) % batch == 0) {
                    ledger.commit();
                }
            }
            ledger.commit();
            return new Row("append batch=" + batch + " fsync=" + fsync.name().toLowerCase(), entries,
                    (System.nanoTime() - t0) / 1e9, 0);
        }
    }

    public Row replay(Path dataDir) throws IOException {
        long t0 = System.nanoTime();
        ScanResult r = LedgerScanner.scan(Ledger.directory(dataDir), EntryVisitor.NONE);
        return new Row("replay (CRC + parse + chain)", r.entries(), (System.nanoTime() - t0) / 1e9, 0);
    }

    /** Jackson alone over the stored payloads of {@code dataDir}'s ledger, read into memory first. */
    public Row rawParse(Path dataDir) throws IOException {
        List<byte[]> payloads = new ArrayList<>();
        LedgerScanner.scan(Ledger.directory(dataDir), (entry, payload) -> {
            payloads.add(payload);
            return java.util.Optional.empty();
        });
        long t0 = System.nanoTime();
        for (byte[] p : payloads) {
            try {
                Json.MAPPER.readTree(p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new Row("raw parse (Jackson, same payloads)", payloads.size(), (System.nanoTime() - t0) / 1e9, 0);
    }

    public Row verifyFull(Path dataDir) throws IOException {
        FullVerifier v = new FullVerifier();
        long t0 = System.nanoTime();
        ScanResult r = LedgerScanner.scan(Ledger.directory(dataDir), v);
        double s = (System.nanoTime() - t0) / 1e9;
        if (!r.intact()) {
            throw new IllegalStateException("the bench ledger does not verify: " + r);
        }
        return new Row("verify --full (seals + envelopes)", r.entries(), s, v.signaturesChecked());
    }

    /** The standard run: batch sizes 1, 16, 256 with fsync, then replay, raw parse and verify of the batch-256 ledger. */
    public Result run(long scale, CryptoBench.Baselines base) throws IOException {
        Row[] appends = new Row[3];
        int k = 0;
        Path largest = null;
        for (int batch : new int[] {1, 16, 256}) {
            Path d = Files.createTempDirectory(workDir, "ledger-b" + batch + "-");
            long n = batch == 1 ? 2_000 * scale : batch == 16 ? 20_000 * scale : 200_000 * scale;
            appends[k++] = append(d, batch, n, FsyncMode.BATCH);
            if (batch == 256) {
                largest = d;
            } else {
                delete(d);
            }
        }
        Row replay = replay(largest);
        Row parse = rawParse(largest);
        Row full = verifyFull(largest);
        delete(largest);
        return new Result(base, appends[0], appends[1], appends[2], replay, parse, full);
    }

    /** An observation entry's data, as a node stores one. */
    static ObjectNode observation(long i) {
        ObjectNode o = Json.object();
        o.put("peer", "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
        o.put("name", "node-" + (i % 50));
        o.put("event", i % 4 == 0 ? "online" : "offline");
        o.put("cause", "first_seen");
        o.put("peerStartedAt", 1_800_000_000_000L + i);
        return o;
    }

    private ObjectNode accepted(long i) {
        Envelope env = heartbeats.get((int) (i % heartbeats.size()));
        ObjectNode o = Json.object();
        o.put("topic", "quorumd/presence/" + env.from().hex());
        o.set("envelope", env.toJson());
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
