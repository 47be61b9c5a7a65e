package io.quorumd.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.sim.VirtualClock;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Heartbeat;
import io.quorumd.wire.MessageType;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Crashes injected between append and fsync (with the unsynced bytes partly lost, as after a power cut)
 * and between fsync and publish: whatever happens, no slot is ever published with two different
 * signatures, and what was published is what the ledger replays.
 */
class SignOnceCrashTest {
    @TempDir
    Path dir;

    private static final class SimulatedCrash extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SimulatedCrash(FaultPoint at) {
            super("crash at " + at);
        }
    }

    /** One life of a node: open, replay, sign and commit batches until done or crashed. */
    private static final class Life {
        final Ledger ledger;
        final LedgeredSigner signer;
        final List<Envelope> outbox = new ArrayList<>();
        final List<String> outboxSlots = new ArrayList<>();

        Life(Path dir, VirtualClock clock) throws IOException {
            List<String> slotsOfOutbox = outboxSlots;
            this.signer = new LedgeredSigner(new EnvelopeSigner(LedgerFixture.KEY, clock),
                    (topic, env, retained) -> outbox.add(env));
            this.ledger = Ledger.open(dir, LedgerFixture.KEY, clock, 8192,
                    io.quorumd.config.QuorumdConfig.FsyncMode.BATCH, (e, p) -> LedgeredSignerTest.replaySigned(signer, e));
            signer.attach(ledger);
            slotsOfOutbox.clear();
            ledger.append(EntryKind.BOOT, LedgerFixture.boot());
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13, 14, 15, 16})
    void noSlotIsEverPublishedWithTwoDifferentSignatures(long seed) throws Exception {
        Random rnd = new Random(seed);
        VirtualClock clock = new VirtualClock(1_800_000_000_000L);
        Map<String, Set<Envelope>> published = new HashMap<>();
        int crashes = 0;
        for (int life = 0; life < 20; life++) {
            Life l = new Life(dir, clock);
            FaultPoint crashAt = rnd.nextInt(3) == 0 ? null : FaultPoint.values()[rnd.nextInt(2)];
            int crashAfterBatches = rnd.nextInt(4);
            int[] batch = {0};
            l.ledger.injectFaults(p -> {
                if (p == crashAt && batch[0] == crashAfterBatches) {
                    throw new SimulatedCrash(p);
                }
            });
            try {
                for (batch[0] = 0; batch[0] < 5; batch[0]++) {
                    for (int k = 0; k < 1 + rnd.nextInt(4); k++) {
                        String slot = "slot-" + rnd.nextInt(12);
                        // A fresh random body each time: a second signing would show as a different envelope.
                        int before = l.outbox.size();
                        Envelope signed = l.signer.signOnce(slot, MessageType.PRESENCE_HEARTBEAT,
                                new Heartbeat(rnd.nextInt(1_000_000), life), "t/" + slot, false);
                        if (l.outbox.size() > before) {
                            l.outboxSlots.add(slot);
                        } else if (published.containsKey(slot)) {
                            assertTrue(published.get(slot).contains(signed), "seed " + seed + ": " + slot
                                    + " answered with another message than the one published");
                        }
                    }
                    l.ledger.append(EntryKind.OBSERVATION, LedgerFixture.observation(batch[0]));
                    l.ledger.commit();
                    for (int i = 0; i < l.outbox.size(); i++) {
                        published.computeIfAbsent(l.outboxSlots.get(i), s -> new HashSet<>()).add(l.outbox.get(i));
                    }
                    l.outbox.clear();
                    l.outboxSlots.clear();
                }
                l.ledger.close();
            } catch (SimulatedCrash crash) {
                crashes++;
                long synced = l.ledger.syncedSize();
                l.ledger.close();
                if (crashAt == FaultPoint.AFTER_WRITE) {
                    loseUnsyncedBytes(LedgerFixture.onlySegment(dir), synced, rnd);
                }
            }
        }
        for (var e : published.entrySet()) {
            assertEquals(1, e.getValue().size(), "seed " + seed + ": " + e.getKey() + " published differently");
        }
        assertTrue(crashes > 0, "seed " + seed + " never crashed");
        Life last = new Life(dir, clock);
        for (var e : published.entrySet()) {
            assertEquals(e.getValue().iterator().next(), last.signer.slots().get(e.getKey()).envelope(),
                    "seed " + seed + ": replay of " + e.getKey());
        }
        last.ledger.close();
        assertTrue(LedgerScanner.scan(Ledger.directory(dir), new FullVerifier()).intact());
    }

    /** A power cut: the file keeps its synced part and a random prefix of what was written after it. */
    private static void loseUnsyncedBytes(Path segment, long synced, Random rnd) throws IOException {
        long size = Files.size(segment);
        if (size <= synced) {
            return;
        }
        long keep = synced + (long) (rnd.nextDouble() * (size - synced));
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            f.setLength(keep);
        }
    }
}
