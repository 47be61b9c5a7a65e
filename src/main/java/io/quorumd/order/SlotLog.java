package io.quorumd.order;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The slots of the current window, by seq then view. The replica opens slots only for seq in (h, h + L]
 * and views from the current one to {@link #VIEWS_AHEAD} above it, so with one vote of each kind per
 * replica a slot holds at most 2n votes and the log at most L · (VIEWS_AHEAD + 1) slots; slots at or below
 * the low watermark, and of views left behind, are dropped.
 */
final class SlotLog {
    static final int VIEWS_AHEAD = 2;
    private final TreeMap<Long, TreeMap<Long, Slot>> bySeq = new TreeMap<>();

    Slot open(long view, long seq) {
        return bySeq.computeIfAbsent(seq, s -> new TreeMap<>()).computeIfAbsent(view, v -> new Slot(v, seq));
    }

    Optional<Slot> find(long view, long seq) {
        return Optional.ofNullable(bySeq.getOrDefault(seq, new TreeMap<>()).get(view));
    }

    List<Slot> inView(long view) {
        List<Slot> out = new ArrayList<>();
        for (TreeMap<Long, Slot> views : bySeq.values()) {
            Slot s = views.get(view);
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    void dropThrough(long h) {
        bySeq.headMap(h, true).clear();
    }

    void dropViewsBelow(long view) {
        for (Map<Long, Slot> views : bySeq.values()) {
            ((TreeMap<Long, Slot>) views).headMap(view, false).clear();
        }
        bySeq.values().removeIf(Map::isEmpty);
    }
}
