package io.quorumd.delivery;

import io.quorumd.config.QuorumdConfig.ResponderSection;
import java.util.Random;

/**
 * The responder's retry schedule, one for decisions and requests alike: the re-publication at backoff level k
 * comes after retryAfterMissed × 2^k missed confirmations, capped at backoffMax (in ticks), ±10 % jitter, at
 * least one.
 */
final class Backoff {
    private final ResponderSection settings;
    private final Random jitter;

    Backoff(ResponderSection settings, Random jitter) {
        this.settings = settings;
        this.jitter = jitter;
    }

    /** Missed confirmations before the re-publication at {@code level}. */
    int threshold(int level) {
        long capTicks = Math.max(1, settings.backoffMax().toMillis() / settings.tick().toMillis());
        double raw = settings.retryAfterMissed() * Math.pow(2, Math.min(level, 30)) * (0.9 + 0.2 * jitter.nextDouble());
        return (int) Math.max(1, Math.min(capTicks, Math.round(raw)));
    }
}
