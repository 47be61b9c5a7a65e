package io.quorumd.config;

import io.quorumd.config.QuorumdConfig.PmSection;
import io.quorumd.crypto.CanonicalJson;
import io.quorumd.pm.ParamsOffer;
import io.quorumd.pm.PmPolicy;
import io.quorumd.pm.TicketBatch;
import io.quorumd.wire.EnvelopeCodec;
import io.quorumd.wire.MessageLimits;
import java.time.Duration;

/**
 * Reads the {@code pm} section (DESIGN §14) and refuses, with the YAML path, every value or combination the
 * core's {@link io.quorumd.pm.PmPolicy} would refuse, and a few it would take but that cannot work: amounts
 * are whole minor units up to 2^53 − 1 (what a message can carry), durations at most {@value #MAX_DAYS} days so
 * that sums of them stay exact in ms.
 */
final class PmSectionReader {
    static final int MAX_DAYS = 3650;
    private static final long MAX = CanonicalJson.MAX_SAFE_INTEGER;

    private PmSectionReader() {
    }

    static PmSection read(YamlSection s) {
        boolean enabled = s.bool("enabled", false);
        PmPolicy d = PmPolicy.defaults();
        long ticketEV = s.integer("ticketEV", d.ticketEV(), 1, MAX);
        long evMultiplier = s.integer("evMultiplier", d.evMultiplier(), 1, MAX);
        long redeemCost = s.integer("redeemCost", d.redeemCost(), 0, MAX);
        long redeemCostMultiplier = s.integer("redeemCostMultiplier", d.redeemCostMultiplier(), 0, MAX);
        long maxFaceValue = s.integer("maxFaceValue", d.maxFaceValue(), 0, MAX);
        Duration paramsTtl = duration(s, "paramsTtl", Duration.ofMillis(d.paramsTtlMs()), true);
        Duration paramsExpiryBuffer = duration(s, "paramsExpiryBuffer", Duration.ofMillis(d.paramsExpiryBufferMs()), false);
        int maxNonces = (int) s.integer("maxNonces", d.maxNonces(), 1, ParamsOffer.MAX_NONCES);
        int maxBatchTickets = (int) s.integer("maxBatchTickets", d.maxBatchTickets(), Integer.MIN_VALUE, Integer.MAX_VALUE);
        long maxTicketEV = s.integer("maxTicketEV", d.maxTicketEV(), 1, MAX);
        long maxBatchEV = s.integer("maxBatchEV", d.maxBatchEV(), 1, MAX);
        long depositMultiplier = s.integer("depositMultiplier", d.depositMultiplier(), 1, MAX);
        Duration claimWindow = duration(s, "claimWindow", Duration.ofMillis(d.claimWindowMs()), true);
        Duration unlockPeriod = duration(s, "unlockPeriod", Duration.ofMillis(d.unlockPeriodMs()), true);
        Duration reservePeriod = duration(s, "reservePeriod", Duration.ofMillis(d.reservePeriodMs()), true);
        s.finish();

        int cap = MessageLimits.maxPmTickets();
        if (maxBatchTickets < 1 || maxBatchTickets > cap) {
            s.problem("maxBatchTickets", maxBatchTickets + " is out of range 1.." + cap + ": a pm.ticket carries at most "
                    + TicketBatch.MAX_TICKETS + " tickets, and " + MessageLimits.pmTicketsThatFit()
                    + " of the widest fit the " + EnvelopeCodec.MAX_BYTES + " bytes a message may take");
            maxBatchTickets = Math.max(1, Math.min(maxBatchTickets, cap));
        }
        if (maxFaceValue > 0 && maxFaceValue < ticketEV) {
            s.problem("maxFaceValue", maxFaceValue + " is below pm.ticketEV (" + ticketEV + "): no params could be"
                    + " issued; 0 means no cap");
        }
        if (paramsExpiryBuffer.compareTo(paramsTtl) >= 0) {
            s.problem("paramsExpiryBuffer", "must be shorter than pm.paramsTtl (" + Durations.format(paramsTtl)
                    + "): a sender refuses params this close to expiry");
        }
        if (maxNonces <= maxBatchTickets) {
            s.problem("maxNonces", maxNonces + " must be more than pm.maxBatchTickets (" + maxBatchTickets
                    + "): a sender stops using params at maxNonces - maxBatchTickets nonces");
        }
        if (maxTicketEV > maxBatchEV) {
            s.problem("maxTicketEV", maxTicketEV + " exceeds pm.maxBatchEV (" + maxBatchEV + ")");
        }
        Duration lockedAtLeast = paramsTtl.plus(claimWindow);
        if (unlockPeriod.compareTo(lockedAtLeast) <= 0) {
            s.problem("unlockPeriod", "must be longer than pm.paramsTtl + pm.claimWindow (" + Durations.format(lockedAtLeast)
                    + "): a sender must not withdraw before every ticket it holds params for can be redeemed");
        }
        return new PmSection(enabled, ticketEV, evMultiplier, redeemCost, redeemCostMultiplier, maxFaceValue, paramsTtl,
                paramsExpiryBuffer, maxNonces, maxBatchTickets, maxTicketEV, maxBatchEV, depositMultiplier, claimWindow,
                unlockPeriod, reservePeriod);
    }

    private static Duration duration(YamlSection s, String key, Duration def, boolean positive) {
        Duration d = positive ? s.positiveDuration(key, def) : s.duration(key, def);
        if (d.compareTo(Duration.ofDays(MAX_DAYS)) > 0) {
            s.problem(key, "must be at most " + MAX_DAYS + "d");
            return def;
        }
        return d;
    }
}
