package io.quorumd.pm;

/**
 * The micropayment parameters of DESIGN §14 (the {@code pm.} section once it is wired). Amounts in minor units,
 * times in ms. Construction refuses a combination the rules cannot work with; in particular unlockPeriod must
 * exceed paramsTtl + claimWindow, so a sender that starts unlocking cannot withdraw before every winner it handed
 * out under params it already held could be claimed.
 *
 * @param ticketEV             EV per ticket a recipient asks for
 * @param evMultiplier         faceValue ≥ ticketEV × this
 * @param redeemCost           what one redemption costs the recipient (0: nothing)
 * @param redeemCostMultiplier faceValue ≥ redeemCost × this
 * @param maxFaceValue         the recipient's own cap on faceValue (0: none)
 * @param paramsTtlMs          params lifetime
 * @param paramsExpiryBufferMs a sender stops using params this close to their expiry
 * @param maxNonces            nonces a recipient accepts per params
 * @param maxBatchTickets      tickets per batch
 * @param maxTicketEV          the sender's cap on one ticket's EV
 * @param maxBatchEV           the sender's cap on one batch's EV
 * @param depositMultiplier    a sender accepts faceValue ≤ its deposit / this
 * @param claimWindowMs        how long after paramsExpiresAt a winner stays redeemable
 * @param unlockPeriodMs       from unlock to the earliest withdraw
 * @param reservePeriodMs      the period of per-recipient reserve allocation
 */
public record PmPolicy(long ticketEV, long evMultiplier, long redeemCost, long redeemCostMultiplier, long maxFaceValue,
                       long paramsTtlMs, long paramsExpiryBufferMs, int maxNonces, int maxBatchTickets,
                       long maxTicketEV, long maxBatchEV, long depositMultiplier, long claimWindowMs,
                       long unlockPeriodMs, long reservePeriodMs) {
    /**
     * The longest duration any time parameter may have: 100 years. Ordered ts plus any sum of these stays far below
     * 2^53 − 1, so withdrawAt, claim deadlines and used-ticket expiries neither wrap around a long nor leave the range
     * the canonical state document carries.
     */
    public static final long MAX_DURATION_MS = 36_525L * 24 * 3_600_000;
    private static final long MINUTE = 60_000;
    private static final long HOUR = 60 * MINUTE;

    public PmPolicy {
        if (paramsTtlMs > MAX_DURATION_MS || paramsExpiryBufferMs > MAX_DURATION_MS || claimWindowMs > MAX_DURATION_MS
                || unlockPeriodMs > MAX_DURATION_MS || reservePeriodMs > MAX_DURATION_MS) {
            throw new IllegalArgumentException("pm durations are at most " + MAX_DURATION_MS + " ms (100 years)");
        }
        if (ticketEV < 1 || evMultiplier < 1 || redeemCost < 0 || redeemCostMultiplier < 0 || maxFaceValue < 0
                || maxTicketEV < 1 || maxBatchEV < 1 || depositMultiplier < 1) {
            throw new IllegalArgumentException("pm amounts: ticketEV, evMultiplier, maxTicketEV, maxBatchEV and"
                    + " depositMultiplier at least 1, the others at least 0");
        }
        if (paramsTtlMs < 1 || paramsExpiryBufferMs < 0 || paramsExpiryBufferMs >= paramsTtlMs) {
            throw new IllegalArgumentException("pm.paramsExpiryBuffer must be shorter than pm.paramsTtl");
        }
        if (maxBatchTickets < 1 || maxBatchTickets > TicketBatch.MAX_TICKETS || maxNonces <= maxBatchTickets
                || maxNonces > ParamsOffer.MAX_NONCES) {
            throw new IllegalArgumentException("pm.maxBatchTickets is 1 to " + TicketBatch.MAX_TICKETS
                    + " and pm.maxNonces more than it, at most " + ParamsOffer.MAX_NONCES);
        }
        if (claimWindowMs < 1 || reservePeriodMs < 1 || unlockPeriodMs <= paramsTtlMs + claimWindowMs) {
            throw new IllegalArgumentException("pm.unlockPeriod must exceed pm.paramsTtl + pm.claimWindow");
        }
    }

    /** The defaults of the parameter table. */
    public static PmPolicy defaults() {
        return new PmPolicy(10, 100, 0, 100, 0, 10 * MINUTE, 15_000, 600, 100, 1000, 100_000, 1,
                24 * HOUR, 72 * HOUR, 24 * HOUR);
    }
}
