package io.quorumd.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.Ed25519;
import io.quorumd.crypto.Hashes;
import io.quorumd.crypto.NodeKey;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.LedgerEntry;
import io.quorumd.wire.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;

/**
 * The raw rates every other figure is divided by (DESIGN §8, issue "benchmarks against the physical limit"):
 * Ed25519 signs and verifies per second over ledger-entry-sized messages, Jackson parses of ledger payloads, and
 * SHA-256 of the same bytes, one thread each, as a median over rounds of {@code perRound} each. Measured in the
 * same run as the figure they are a baseline for: these shared machines vary about 2× from day to day.
 */
public final class CryptoBench {
    /** Operations per second of each raw step, and the payload size they were measured on. */
    public record Baselines(double signsPerSecond, double verifiesPerSecond, double parsesPerSecond,
                            double sha256PerSecond, int payloadBytes) {
        /** Seconds the raw verifier needs for {@code signatures} checks: the floor of a full verification. */
        public double verifyFloorSeconds(long signatures) {
            return signatures / verifiesPerSecond;
        }
    }

    private final NodeKey key = NodeKey.generate(new SecureRandom());
    private final Duration perRound;
    private final int rounds;

    public CryptoBench(Duration perRound, int rounds) {
        if (rounds < 1 || perRound.isNegative() || perRound.isZero()) {
            throw new IllegalArgumentException("rounds must be at least 1 and the round time positive");
        }
        this.perRound = perRound;
        this.rounds = rounds;
    }

    /** A ledger-entry payload of about {@code bytes} bytes (an observation padded to size), as stored. */
    public static byte[] samplePayload(NodeKey key, long i, int bytes) {
        ObjectNode data = LedgerBench.observation(i);
        byte[] bare = entry(key, i, data).canonicalBytes();
        if (bare.length < bytes) {
            data.put("note", "x".repeat(bytes - bare.length - 10));
        }
        return entry(key, i, data).canonicalBytes();
    }

    private static LedgerEntry entry(NodeKey key, long i, ObjectNode data) {
        String prev = LedgerEntry.ZERO_HASH;
        long ts = 1_800_000_000_000L + i;
        Bytes sig = key.sign(LedgerEntry.signingBytes(i + 1, prev, ts, EntryKind.OBSERVATION, data));
        return new LedgerEntry(i + 1, prev, ts, EntryKind.OBSERVATION, data, sig);
    }

    public Baselines run(int payloadBytes) {
        byte[][] payloads = new byte[64][];
        for (int i = 0; i < payloads.length; i++) {
            payloads[i] = samplePayload(key, i, payloadBytes);
        }
        Bytes pub = key.publicKey();
        Bytes[] sigs = Arrays.stream(payloads).map(key::sign).toArray(Bytes[]::new);
        int[] at = {0};
        double sign = median(() -> key.sign(payloads[at[0]++ & 63]));
        double verify = median(() -> {
            int i = at[0]++ & 63;
            if (!Ed25519.verify(pub, payloads[i], sigs[i])) {
                throw new IllegalStateException("a signature made in this run does not verify");
            }
        });
        double parse = median(() -> {
            try {
                Json.MAPPER.readTree(payloads[at[0]++ & 63]);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        double sha = median(() -> Hashes.sha256(payloads[at[0]++ & 63]));
        return new Baselines(sign, verify, parse, sha, payloads[0].length);
    }

    private double median(Runnable op) {
        for (long end = System.nanoTime() + perRound.toNanos() / 2; System.nanoTime() < end; ) {
            op.run(); // warm-up: half a round
        }
        double[] rates = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long n = 0;
            long t0 = System.nanoTime();
            long end = t0 + perRound.toNanos();
            long now;
            do {
                for (int k = 0; k < 64; k++) {
                    op.run();
                }
                n += 64;
                now = System.nanoTime();
            } while (now < end);
            rates[r] = n / ((now - t0) / 1e9);
        }
        return Stats.median(rates);
    }
}
