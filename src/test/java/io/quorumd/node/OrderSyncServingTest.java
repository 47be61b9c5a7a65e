package io.quorumd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.config.QuorumdConfig.FsyncMode;
import io.quorumd.crypto.NodeKey;
import io.quorumd.delivery.SyncSource;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.EntryVisitor;
import io.quorumd.ledger.Ledger;
import io.quorumd.ledger.LedgerEntry;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.order.RosterOp;
import io.quorumd.sim.VirtualClock;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeCodec;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Json;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderCheckpoint;
import io.quorumd.wire.OrderCommitted;
import io.quorumd.wire.OrderItem;
import io.quorumd.wire.OrderRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What selector {@code order} serves, over a real ledger: batches the memory window does not hold are read back
 * from the segment files, at most {@value OrderSync#MAX_READ} entries a page; each group is the batch under its
 * zero-padded seq followed by its stable certificate; nothing appended but not yet committed is read; the
 * same batch is always the same envelope; a since beyond the last batch is an empty last page.
 */
class OrderSyncServingTest {
    private static final NodeKey KEY = NodeKey.fromSeed(new byte[] {5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
            5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5});
    private static final long T0 = 1_800_000_000_000L;

    @TempDir
    Path dir;

    private final VirtualClock clock = new VirtualClock(T0);
    private final EnvelopeSigner signer = new EnvelopeSigner(KEY, clock);
    private final OrderHistory history = new OrderHistory();
    private long executed;

    private Ledger open() throws Exception {
        return Ledger.open(dir, KEY, clock, 16_384, FsyncMode.BATCH, EntryVisitor.NONE);
    }

    private OrderSync sync(Ledger l) {
        return new OrderSync(history, l.reader(), l::durableSeq, signer, () -> executed + 1);
    }

    private static OrderCommitted batch(long seq) {
        return new OrderCommitted(0, seq, 0, T0 + seq, List.of(), List.of());
    }

    private List<Envelope> certificate(long seq) {
        return List.of(signer.signAt(MessageType.ORDER_CHECKPOINT, new OrderCheckpoint(0, seq, "ab".repeat(32)), T0 + seq));
    }

    /**
     * Batches {@code from}..{@code to} as the ledger holds them (an observation before each, an {@code ostable}
     * after every fourth), indexed as a restart's replay does; committed every 5 batches, and at the end if
     * {@code commit}.
     */
    private void store(Ledger l, long from, long to, boolean commit) throws Exception {
        for (long seq = from; seq <= to; seq++) {
            l.append(EntryKind.OBSERVATION, Json.object().put("n", seq));
            ObjectNode order = Json.object();
            order.set("committed", batch(seq).toJson());
            history.replayed(seq, l.append(EntryKind.ORDER, order).seq());
            if (seq % 4 == 0) {
                ObjectNode stable = Json.object();
                stable.put("epoch", 0);
                stable.put("seq", seq);
                stable.put("stateDigest", "ab".repeat(32));
                ArrayNode a = stable.putArray("checkpoints");
                certificate(seq).forEach(e -> a.add(e.toJson()));
                history.stable(seq, certificate(seq), l.append(EntryKind.ORDER_STABLE, stable).seq());
            }
            executed = seq;
            if (seq % 5 == 0) {
                l.commit();
            }
        }
        if (commit) {
            l.commit();
        }
    }

    private static long seqOf(SyncSource.Group g) {
        return ((OrderCommitted) g.envelopes().get(0).body()).seq();
    }

    @Test
    void batchesOutsideTheMemoryWindowAreReadFromTheLedgerAHundredEntriesAPage() throws Exception {
        try (Ledger l = open()) {
            store(l, 1, 300, true);
            assertTrue(LedgerScanner.segments(Ledger.directory(dir)).size() > 2, "several segments");
            OrderSync sync = sync(l);

            SyncSource.Slice first = sync.slice(1, "", 101);
            assertEquals(80, first.groups().size(), "80 batches and their 20 certificates: 100 entries read");
            assertTrue(first.more());
            SyncSource.Group fourth = first.groups().get(3);
            assertEquals(OrderSync.key(4), fourth.key());
            assertEquals(20, fourth.key().length());
            assertEquals(MessageType.ORDER_COMMITTED, fourth.envelopes().get(0).type());
            assertEquals(KEY.nodeId(), fourth.envelopes().get(0).from(), "signed by the serving node");
            assertEquals(batch(4), fourth.envelopes().get(0).body(), "the stored batch");
            assertEquals(certificate(4), fourth.envelopes().subList(1, 2), "then the certificate of its seq");
            assertEquals(1, first.groups().get(2).envelopes().size(), "a seq that was not stable: the batch alone");

            List<Long> seqs = new ArrayList<>();
            String key = "";
            for (int pages = 0; pages < 10; pages++) {
                SyncSource.Slice s = sync.slice(1, key, 101);
                long seen = seqs.isEmpty() ? 0 : seqs.get(seqs.size() - 1);
                s.groups().stream().filter(g -> seqOf(g) > seen).forEach(g -> seqs.add(seqOf(g))); // the cursor's own again
                if (!s.more()) {
                    break;
                }
                key = s.groups().get(s.groups().size() - 1).key();
            }
            assertEquals(300, seqs.size());
            for (int i = 0; i < seqs.size(); i++) {
                assertEquals(i + 1, seqs.get(i), "every batch once, in seq order");
            }
        }
    }

    /** A batch of {@code items} noop requests with the longest notes: about 400 bytes each. */
    private OrderCommitted bigBatch(long seq, int items) {
        List<OrderItem> list = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            ObjectNode args = Json.object().put("note", (seq + "-" + i + "-").repeat(40).substring(0, RosterOp.MAX_NOTE));
            list.add(new OrderItem(signer.signAt(MessageType.ORDER_REQUEST, new OrderRequest(0, RosterOp.NOOP, args, T0),
                    T0), List.of()));
        }
        return new OrderCommitted(0, seq, 0, T0 + seq, list, List.of());
    }

    /**
     * Each page request reads from the ledger no more than a page can carry (a hostile member may ask 600 pages a
     * minute from seq 1): with batches of 20 KB, not 100 of them, 2 MB parsed and signed to send three; paging on
     * still serves every batch once, in order.
     */
    @Test
    void aPageReadsFromTheLedgerNoMoreBytesThanAPageCanCarry() throws Exception {
        try (Ledger l = open()) {
            for (long seq = 1; seq <= 120; seq++) {
                ObjectNode order = Json.object();
                order.set("committed", bigBatch(seq, 50).toJson());
                history.replayed(seq, l.append(EntryKind.ORDER, order).seq());
                executed = seq;
                if (seq % 10 == 0) {
                    l.commit();
                }
            }
            OrderSync sync = sync(l);
            int batchBytes = sync.slice(1, "", 101).groups().get(0).envelopes().get(0).encode().length;
            assertTrue(batchBytes > 15_000, "a batch of " + batchBytes + " bytes");
            SyncSource.Slice first = sync.slice(1, "", 101);
            long bytes = first.groups().stream().mapToLong(g -> g.envelopes().get(0).encode().length).sum();
            assertTrue(bytes <= 3L * EnvelopeCodec.MAX_BYTES, first.groups().size() + " batches, " + bytes
                    + " bytes read for one page of at most " + EnvelopeCodec.MAX_BYTES);
            assertTrue(first.more());

            List<Long> seqs = new ArrayList<>();
            String key = "";
            for (int pages = 0; pages < 200; pages++) {
                SyncSource.Slice s = sync.slice(1, key, 101);
                long seen = seqs.isEmpty() ? 0 : seqs.get(seqs.size() - 1);
                s.groups().stream().filter(g -> seqOf(g) > seen).forEach(g -> seqs.add(seqOf(g)));
                if (!s.more()) {
                    break;
                }
                key = s.groups().get(s.groups().size() - 1).key();
            }
            assertEquals(120, seqs.size());
            for (int i = 0; i < seqs.size(); i++) {
                assertEquals(i + 1, seqs.get(i), "every batch once, in seq order");
            }
        }
    }

    @Test
    void aBatchAppendedButNotYetCommittedIsNotReadFromDisk() throws Exception {
        try (Ledger l = open()) {
            store(l, 1, 10, true);
            store(l, 11, 11, false);
            OrderSync sync = sync(l);
            assertTrue(l.durableSeq() < history.orderEntry(11));
            SyncSource.Slice now = sync.slice(11, "", 101);
            assertEquals(List.of(), now.groups(), "not on disk yet");
            assertEquals(10, sync.slice(1, "", 101).groups().size(), "what is durable is served");
            l.commit();
            assertEquals(List.of(OrderSync.key(11)), sync.slice(11, "", 101).groups().stream().map(SyncSource.Group::key).toList());
        }
    }

    @Test
    void recentBatchesComeFromMemoryAndTheSameBatchIsAlwaysTheSameEnvelope() throws Exception {
        try (Ledger l = open()) {
            store(l, 1, 10, true);
            for (long seq = 11; seq <= 20; seq++) {
                ObjectNode order = Json.object();
                order.set("committed", batch(seq).toJson());
                LedgerEntry e = l.append(EntryKind.ORDER, order); // not even committed: memory serves it
                history.executed(batch(seq), e.seq());
                executed = seq;
            }
            history.stable(12, certificate(12), l.append(EntryKind.ORDER_STABLE, Json.object()).seq());
            OrderSync sync = sync(l);
            assertEquals(11, history.firstRecent());
            SyncSource.Slice s = sync.slice(1, "", 101);
            assertEquals(20, s.groups().size());
            assertFalse(s.more());
            assertEquals(certificate(12), s.groups().get(11).envelopes().subList(1, 2), "a certificate that came later");
            clock.jump(3_600_000);
            assertEquals(s.groups(), sync.slice(1, "", 101).groups(), "signed at the batch's ts: the same bytes later");
        }
    }

    @Test
    void aSinceBeyondTheLastBatchOrAForeignCursorKey() throws Exception {
        try (Ledger l = open()) {
            store(l, 1, 12, true);
            OrderSync sync = sync(l);
            SyncSource.Slice beyond = sync.slice((1L << 53) - 1, "", 101);
            assertEquals(List.of(), beyond.groups());
            assertFalse(beyond.more(), "an empty last page");
            assertEquals(List.of(), sync.slice(13, "", 101).groups());
            assertEquals(12, sync.slice(0, "", 101).groups().size(), "0: everything held");
            assertEquals(7, sync.slice(6, "0000000000000000000000000000000000000001:ab", 101).groups().size(),
                    "a key that is not a seq: from since");
            assertEquals(OptionalLong.of(13), sync.askFrom());
            assertEquals(OptionalLong.of(4), sync.positionOf(signer.sign(MessageType.ORDER_COMMITTED, batch(4))));
            assertEquals(OptionalLong.empty(), sync.positionOf(certificate(4).get(0)));
        }
    }
}
