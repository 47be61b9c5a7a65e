package io.quorumd.checkpoint;

/** Derived values of one subject as of a time: restarts, total uptime (s), first seen (epoch s). */
public record UptimeStats(long restarts, long totalUptime, long firstSeen) {
}
