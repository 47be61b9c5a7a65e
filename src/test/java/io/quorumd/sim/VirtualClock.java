package io.quorumd.sim;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock that moves only when the test (or {@link VirtualScheduler}, {@link SimWorld}) moves it. Timers
 * run on its monotonic time; {@link #millis()} is the wall clock, which equals it until {@link #jump} steps
 * the wall clock forward (as NTP may) without moving any timer.
 */
public final class VirtualClock extends Clock {
    private long monotonic;
    private long offset;

    public VirtualClock(long startMillis) {
        this.monotonic = startMillis;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public long millis() {
        return monotonic + offset;
    }

    /** Steps the wall clock forward by {@code byMillis}; timers keep their monotonic schedule. */
    public void jump(long byMillis) {
        offset += byMillis;
    }

    long monotonic() {
        return monotonic;
    }

    void setMonotonic(long to) {
        if (to < monotonic) {
            throw new IllegalStateException("virtual time cannot go back");
        }
        monotonic = to;
    }

    void set(long millis) {
        setMonotonic(millis - offset);
    }
}
