package io.quorumd.node;

import io.quorumd.wire.Envelope;
import io.quorumd.wire.OrderCommitted;
import java.util.Arrays;
import java.util.List;

/**
 * Where every batch this node executed is, for serving it to a peer that lags (DESIGN §13 sync, selector
 * {@code order}): for each order seq from the first this ledger holds, the ledger seq of its {@code order} entry
 * and of the {@code ostable} entry of a stable checkpoint there (0: none), as two primitive arrays (16 bytes a
 * batch); and the last {@value #RECENT} batches executed since this start, with their certificates, in memory
 * (a ring by seq). The index is built by {@link OrderReplay} at start-up ({@link #replayed}), and both grow at
 * every execution and stable checkpoint. It also carries the signal that ordering found itself behind to
 * whoever fetches history. Loop thread only.
 */
final class OrderHistory {
    static final int RECENT = 256;

    /** A batch held in memory, its stable certificate once there is one, and the envelope served for it. */
    static final class Recent {
        final OrderCommitted committed;
        List<Envelope> certificate = List.of();
        Envelope served;

        Recent(OrderCommitted committed) {
            this.committed = committed;
        }
    }

    private long first;
    private int size;
    /** The first seq executed in this run (the ring holds nothing before it); 0 until one is. */
    private long firstLive;
    private long[] orderEntry = new long[64];
    private long[] stableEntry = new long[64];
    private final Recent[] recent = new Recent[RECENT];
    private Runnable onBehind = () -> { };

    /** The batch at {@code c.seq()} executed now; the ledger holds it at {@code ledgerSeq}. Seqs come one by one. */
    void executed(OrderCommitted c, long ledgerSeq) {
        index(c.seq(), ledgerSeq);
        if (firstLive == 0) {
            firstLive = c.seq();
        }
        recent[slot(c.seq())] = new Recent(c);
    }

    /** The batch at {@code seq} executed before this start; the ledger holds it at {@code ledgerSeq}. */
    void replayed(long seq, long ledgerSeq) {
        index(seq, ledgerSeq);
    }

    private void index(long seq, long ledgerSeq) {
        if (size == 0) {
            first = seq;
        } else if (seq != first + size) {
            throw new IllegalStateException("executed seq " + seq + " where seq " + (first + size) + " comes next");
        }
        if (size == orderEntry.length) {
            orderEntry = Arrays.copyOf(orderEntry, size * 2);
            stableEntry = Arrays.copyOf(stableEntry, size * 2);
        }
        orderEntry[size] = ledgerSeq;
        stableEntry[size] = 0;
        size++;
    }

    /** q checkpoints made {@code seq} stable; the ledger holds them at {@code ledgerSeq}. */
    void stable(long seq, List<Envelope> certificate, long ledgerSeq) {
        if (!holds(seq)) {
            return; // the state this ledger began from
        }
        stableEntry[(int) (seq - first)] = ledgerSeq;
        Recent r = recent(seq);
        if (r != null) {
            r.certificate = List.copyOf(certificate);
        }
    }

    boolean holds(long seq) {
        return size > 0 && seq >= first && seq < first + size;
    }

    /** The first order seq held; 0 while none is. */
    long first() {
        return size == 0 ? 0 : first;
    }

    /** The last order seq held; 0 while none is. */
    long last() {
        return size == 0 ? 0 : first + size - 1;
    }

    /** The first seq held in memory (the last {@value #RECENT} executed in this run); above {@link #last()} while none is. */
    long firstRecent() {
        return firstLive == 0 ? last() + 1 : Math.max(firstLive, last() - RECENT + 1);
    }

    /** The ledger seq of the {@code order} entry of {@code seq}, which must be held. */
    long orderEntry(long seq) {
        return orderEntry[index(seq)];
    }

    /** The ledger seq of the {@code ostable} entry of {@code seq}, 0 if it has none. */
    long stableEntry(long seq) {
        return stableEntry[index(seq)];
    }

    /** The batch at {@code seq} if it is among the last {@value #RECENT}, else null. */
    Recent recent(long seq) {
        Recent r = recent[slot(seq)];
        return r != null && r.committed.seq() == seq ? r : null;
    }

    void whenBehind(Runnable r) {
        onBehind = r;
    }

    /** Ordering lags: a committed batch, checkpoint or epoch beyond what it can take live arrived. */
    void behind() {
        onBehind.run();
    }

    private int index(long seq) {
        if (!holds(seq)) {
            throw new IllegalArgumentException("seq " + seq + " is not held (" + first() + ".." + last() + ")");
        }
        return (int) (seq - first);
    }

    private static int slot(long seq) {
        return (int) Math.floorMod(seq, (long) RECENT);
    }
}
