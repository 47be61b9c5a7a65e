package io.quorumd.sim;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock that moves only when the test (or {@link VirtualScheduler}) moves it. */
public final class VirtualClock extends Clock {
    private long millis;

    public VirtualClock(long startMillis) {
        this.millis = startMillis;
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
        return Instant.ofEpochMilli(millis);
    }

    @Override
    public long millis() {
        return millis;
    }

    void set(long millis) {
        if (millis < this.millis) {
            throw new IllegalStateException("virtual time cannot go back");
        }
        this.millis = millis;
    }
}
