package io.quorumd.node;

import io.quorumd.delivery.SyncSource;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.LedgerEntry;
import io.quorumd.ledger.SegmentReader;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeCodec;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.JsonFields;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderCommitted;
import io.quorumd.wire.SyncResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sync selector {@code order} (DESIGN §12 "Catch-up", §13): the committed batches this node executed, from an
 * ordering seq ({@code since}) on. Each group is one batch under its seq, zero-padded to 20 digits: an
 * {@code order.committed} this node signs over the stored batch (at the batch's ts, so the same batch is always
 * the same envelope; what proves it is the q commits inside, which the asker's {@code CommitProofValidator}
 * checks), followed by the q {@code order.checkpoint}s that made that seq stable, if it was (they move the
 * asker's low watermark and compare its state digest with the federation's). The last
 * {@value OrderHistory#RECENT} batches executed since this start come from memory; older ones from the ledger
 * files ({@link SegmentReader}, through the index {@link OrderHistory} keeps), at most
 * {@value #MAX_READ} entries and {@link #READ_BYTES} bytes a page (beyond its first batch: however large the
 * batches, a request costs about what the page carries) and only what a group commit made durable. A since beyond the last executed
 * seq gets an empty page. As the asking side, it asks from the node's next seq and passes on ordering's signal
 * that it lags. Loop thread only.
 */
final class OrderSync implements SyncSource {
    private static final Logger LOG = LoggerFactory.getLogger(OrderSync.class);
    static final int MAX_READ = 100;
    /** The ledger bytes a page reads beyond its first group: twice what a page can carry. */
    static final long READ_BYTES = 2L * EnvelopeCodec.MAX_BYTES;

    private final OrderHistory history;
    private final SegmentReader reader;
    private final LongSupplier durable;
    private final EnvelopeSigner signer;
    private final LongSupplier next;

    /**
     * {@code reader} over this node's ledger, {@code durable}: the last ledger seq on disk; {@code next}: the seq
     * this node executes next.
     */
    OrderSync(OrderHistory history, SegmentReader reader, LongSupplier durable, EnvelopeSigner signer, LongSupplier next) {
        this.history = history;
        this.reader = reader;
        this.durable = durable;
        this.signer = signer;
        this.next = next;
    }

    static String key(long seq) {
        return String.format(Locale.ROOT, "%020d", seq);
    }

    @Override
    public List<Group> groups(long since) {
        return slice(since, "", SyncResponse.MAX_ENVELOPES).groups();
    }

    @Override
    public Slice slice(long since, String fromKey, int limit) {
        long from = Math.max(Math.max(since, history.first()), keySeq(fromKey));
        if (history.last() == 0 || from > history.last()) {
            return new Slice(List.of(), false);
        }
        long last = Math.min(history.last(), from + Math.max(2, limit) - 1);
        List<Group> out = new ArrayList<>();
        long seq = from;
        long diskTo = Math.min(last, history.firstRecent() - 1);
        if (seq <= diskTo) {
            seq = fromDisk(seq, diskTo, out);
            if (seq <= diskTo) {
                return new Slice(out, seq > 0);
            }
        }
        for (; seq <= last; seq++) {
            OrderHistory.Recent r = history.recent(seq);
            if (r == null) {
                throw new IllegalStateException("seq " + seq + " is neither in memory nor read from the ledger");
            }
            if (r.served == null) {
                r.served = sign(r.committed);
            }
            out.add(group(seq, r.served, r.certificate));
        }
        return new Slice(out, seq <= history.last());
    }

    /**
     * Groups for the seqs from {@code from} through at most {@code to}, read from the ledger; the seq after the
     * last one served (a page's read budget — {@value #MAX_READ} entries, {@link #READ_BYTES} bytes beyond the
     * first group — or the durable seq may stop it early), or 0 if the ledger could not be read.
     */
    private long fromDisk(long from, long to, List<Group> out) {
        long onDisk = durable.getAsLong();
        List<Long> wanted = new ArrayList<>();
        long firstGroupEnds = 0;
        long seq = from;
        for (; seq <= to; seq++) {
            long order = history.orderEntry(seq);
            long stable = stableOnDisk(seq, onDisk);
            if (order > onDisk || wanted.size() + (stable != 0 ? 2 : 1) > MAX_READ) {
                break;
            }
            wanted.add(order);
            if (stable != 0) {
                wanted.add(stable);
            }
            if (seq == from) {
                firstGroupEnds = Math.max(order, stable);
            }
        }
        long[] seqs = wanted.stream().mapToLong(Long::longValue).sorted().toArray();
        long last = firstGroupEnds;
        int atLeast = (int) Arrays.stream(seqs).filter(x -> x <= last).count();
        Map<Long, LedgerEntry> read = new HashMap<>();
        long served = from;
        try {
            reader.read(seqs, atLeast, READ_BYTES).forEach(e -> read.put(e.seq(), e));
            for (; served < seq; served++) {
                LedgerEntry order = read.get(history.orderEntry(served));
                long stableSeq = stableOnDisk(served, onDisk);
                LedgerEntry stable = stableSeq == 0 ? null : read.get(stableSeq);
                if (order == null || (stableSeq != 0 && stable == null)) {
                    break; // beyond what this page reads
                }
                OrderCommitted c = OrderCommitted.fromJson(order.data().get("committed"));
                if (order.kind() != EntryKind.ORDER || c.seq() != served) {
                    throw new IOException("ledger seq " + order.seq() + " is not the order entry of seq " + served);
                }
                out.add(group(served, sign(c), stable == null ? List.of() : certificate(stable, served)));
            }
        } catch (IOException | DecodeException e) {
            LOG.atError().addKeyValue("seqs", from + ".." + (seq - 1)).addKeyValue("error", e.getMessage())
                    .log("sync: committed batches could not be read back from the ledger; not serving them");
            return 0;
        }
        return served;
    }

    /** The ledger seq of the durable {@code ostable} entry of {@code seq}; 0 if there is none (yet). */
    private long stableOnDisk(long seq, long onDisk) {
        long stable = history.stableEntry(seq);
        return stable <= onDisk ? stable : 0;
    }

    private static List<Envelope> certificate(LedgerEntry stable, long seq) throws DecodeException, IOException {
        JsonFields f = new JsonFields(stable.data(), "ostable");
        if (stable.kind() != EntryKind.ORDER_STABLE || f.nonNegative("seq") != seq) {
            throw new IOException("ledger seq " + stable.seq() + " is not the ostable entry of seq " + seq);
        }
        return f.envelopes("checkpoints", MessageType.ORDER_CHECKPOINT);
    }

    private Envelope sign(OrderCommitted c) {
        return signer.signAt(MessageType.ORDER_COMMITTED, c, c.ts());
    }

    private static Group group(long seq, Envelope committed, List<Envelope> certificate) {
        List<Envelope> envelopes = new ArrayList<>(1 + certificate.size());
        envelopes.add(committed);
        envelopes.addAll(certificate);
        return new Group(key(seq), envelopes);
    }

    /** The seq a cursor key names; 0 for "" or anything that is not a key of this selector. */
    private static long keySeq(String key) {
        if (key.length() != 20 || !key.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            return 0;
        }
        try {
            return Long.parseLong(key);
        } catch (NumberFormatException e) {
            return 0; // beyond any seq
        }
    }

    @Override
    public OptionalLong askFrom() {
        return OptionalLong.of(next.getAsLong());
    }

    @Override
    public OptionalLong positionOf(Envelope envelope) {
        return envelope.body() instanceof OrderCommitted c ? OptionalLong.of(c.seq()) : OptionalLong.empty();
    }

    @Override
    public void whenBehind(Runnable askNow) {
        history.whenBehind(askNow);
    }
}
