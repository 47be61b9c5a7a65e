package io.quorumd.node;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;

/**
 * Rate-limited WARN lines for rejected input: at most one line per reason code per {@link #EVERY_MS}, each
 * carrying the running count, so a peer that sends a thousand bad messages costs a thousand counter
 * increments and one log line, never a thousand. Counting itself is the caller's (NodeMetrics). Safe from
 * any thread.
 */
final class RejectLog {
    static final long EVERY_MS = 10_000;

    private final Logger log;
    private final Clock clock;
    private final Map<String, Long> lastLogged = new HashMap<>();

    RejectLog(Logger log, Clock clock) {
        this.log = log;
        this.clock = clock;
    }

    /** Logs the reject unless one with the same code was logged within the last {@link #EVERY_MS}. */
    synchronized void warn(String code, long count, String topic, String detail) {
        long now = clock.millis();
        Long last = lastLogged.get(code);
        if (last != null && now - last < EVERY_MS) {
            return;
        }
        lastLogged.put(code, now);
        var line = log.atWarn().addKeyValue("reason", code);
        if (topic != null) {
            line = line.addKeyValue("topic", topic);
        }
        line.addKeyValue("count", count).addKeyValue("detail", detail).log("message rejected");
    }
}
