package io.quorumd.checkpoint;

import io.quorumd.crypto.NodeId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What this node knows of each subject's runs: intervals during which the subject was up, each tagged
 * with the run's declared start time. Fed with observations (peers) and boot/shutdown entries (self),
 * from ledger replay and live; {@link #derive} turns it into restarts, total uptime and first seen as of
 * a time, on top of the subject's latest checkpoint — nara's derivation, with intervals starting at the
 * subject's signed start time so observers that joined late still agree.
 */
public final class RunHistory {
    /**
     * One stretch of uptime; {@code to} is -1 while open. {@code resumeUntil}: closed only because this node itself
     * stopped ({@link #suspendPeers}), so the same run heard again by then goes on as if never closed; -1 if not.
     */
    private record Interval(long run, long from, long to, long resumeUntil) {
        Interval(long run, long from, long to) {
            this(run, from, to, -1);
        }
    }

    /** How long after this node's boot a peer's suspended run may still be resumed. */
    private long resumeWithinMs = 180_000;

    private final Map<NodeId, List<Interval>> bySubject = new HashMap<>();
    private final Map<NodeId, Long> lastActivity = new HashMap<>();
    private final Map<NodeId, Long> latestRun = new HashMap<>();

    /** This subject was alive at {@code at} (for this node itself: it wrote a ledger entry then). */
    public void noteActivity(NodeId subject, long at) {
        lastActivity.merge(subject, at, Math::max);
    }

    /** When the subject was last known alive, or {@code otherwise}. */
    public long lastActivity(NodeId subject, long otherwise) {
        return lastActivity.getOrDefault(subject, otherwise);
    }

    /** The start time of the subject's latest run known here, or -1. */
    public long latestRun(NodeId subject) {
        return latestRun.getOrDefault(subject, -1L);
    }

    private List<Interval> of(NodeId subject) {
        return bySubject.computeIfAbsent(subject, s -> new ArrayList<>());
    }

    /**
     * The subject is up in run {@code run} (its signed start time) as of {@code at}. A first run is counted
     * from its start, so an observer that joined late agrees with those that saw it begin. A later run that
     * claims to have started before the end of time already accounted for (its start time is the subject's
     * own claim) counts only from when it was seen: backdating must not turn an outage others observed into
     * uptime.
     */
    public void up(NodeId subject, long run, long at) {
        latestRun.merge(subject, run, Math::max);
        List<Interval> list = of(subject);
        Interval last = list.isEmpty() ? null : list.get(list.size() - 1);
        if (last != null && last.run() == run && at <= last.resumeUntil()) {
            list.set(list.size() - 1, new Interval(run, last.from(), -1)); // this node's own absence was no evidence
            return;
        }
        if (last != null && last.to() < 0) {
            if (last.run() == run) {
                return;
            }
            list.set(list.size() - 1, new Interval(last.run(), last.from(), Math.max(last.from(), Math.min(at, run))));
        }
        boolean knownRun = list.stream().anyMatch(i -> i.run() == run);
        long from = knownRun ? at : Math.min(run, at);
        long accounted = list.stream().mapToLong(Interval::to).max().orElse(Long.MIN_VALUE);
        list.add(new Interval(run, from < accounted ? Math.max(at, accounted) : from, -1));
    }

    /** Sets how long after this node's boot a peer's suspended run may be resumed ({@link #suspendPeers}). */
    public void resumeWithin(java.time.Duration window) {
        this.resumeWithinMs = window.toMillis();
    }

    /**
     * This node ({@code self}) stopped at {@code at}, its last sign of life, and boots at {@code bootAt}: every
     * peer's open run is closed at {@code at}, as this node cannot see what happened next. The same run heard
     * within the resume window after the boot (a peer's next heartbeat) shows it went on, and reopens it; heard
     * later, it counts from then, as for any observer that lost sight of it.
     */
    public void suspendPeers(NodeId self, long at, long bootAt) {
        bySubject.forEach((subject, list) -> {
            Interval last = list.isEmpty() ? null : list.get(list.size() - 1);
            if (!subject.equals(self) && last != null && last.to() < 0) {
                list.set(list.size() - 1, new Interval(last.run(), last.from(), Math.max(last.from(), at),
                        bootAt + resumeWithinMs));
            }
        });
    }

    /** The subject went down at {@code at} (end of its open interval, if any). */
    public void down(NodeId subject, long at) {
        List<Interval> list = of(subject);
        if (!list.isEmpty()) {
            Interval last = list.get(list.size() - 1);
            if (last.to() < 0) {
                list.set(list.size() - 1, new Interval(last.run(), last.from(), Math.max(last.from(), at)));
            }
        }
    }

    /** Derived values as of {@code asOf} (ms), counting from {@code base} (the latest checkpoint) if any. */
    public UptimeStats derive(NodeId subject, UptimeBase base, long asOf) {
        long lower = base == null ? Long.MIN_VALUE : base.asOf();
        long upMs = 0;
        TreeSet<Long> runs = new TreeSet<>();
        for (Interval i : bySubject.getOrDefault(subject, List.of())) {
            if (i.run() > asOf) {
                continue;
            }
            runs.add(i.run());
            long end = i.to() < 0 ? asOf : Math.min(i.to(), asOf);
            long start = Math.max(i.from(), lower);
            if (end > start) {
                upMs += end - start;
            }
        }
        if (base == null) {
            long firstSeen = runs.isEmpty() ? 0 : Math.floorDiv(runs.first(), 1000);
            return new UptimeStats(Math.max(0, runs.size() - 1), upMs / 1000, firstSeen);
        }
        long newRuns = runs.stream().filter(r -> r > lower).count();
        return new UptimeStats(base.restarts() + newRuns, base.totalUptime() + upMs / 1000, base.firstSeen());
    }

    /** Forgets intervals that ended before {@code asOf}; a checkpoint as of then covers them. */
    public void forgetBefore(NodeId subject, long asOf) {
        List<Interval> list = bySubject.get(subject);
        if (list != null) {
            list.removeIf(i -> i.to() >= 0 && i.to() < asOf);
        }
    }

    /** Uptime (s) of {@code subject} over the last {@code window} ms before {@code now}, for ranking voters. */
    public long recentUptime(NodeId subject, long now, long window) {
        return derive(subject, new UptimeBase(now - window, 0, 0, 0), now).totalUptime();
    }

    /** The values a checkpoint fixed: the starting point of later derivations. */
    public record UptimeBase(long asOf, long restarts, long totalUptime, long firstSeen) {
    }
}
