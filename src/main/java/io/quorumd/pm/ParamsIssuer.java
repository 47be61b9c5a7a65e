package io.quorumd.pm;

import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.CanonicalJson;
import io.quorumd.crypto.Hashes;
import io.quorumd.crypto.NodeId;
import java.math.BigInteger;

/**
 * Issues a recipient's ticket params to one sender (DESIGN §14). faceValue = max(redeemCost × redeemCostMultiplier,
 * ticketEV × evMultiplier), capped at the sender's maxFloat toward this recipient and at maxFaceValue; below
 * ticketEV there are no params ({@code insufficient_float}). winProb = ticketEV·⌈2^256/faceValue⌉ capped at
 * 2^256 − 1 ({@link WinMath#winProb}); expiresAt = now + paramsTtl; rand = HMAC(pmKey, {expiresAt, faceValue,
 * seed, sender, winProb}) and only its hash leaves. The seed is the caller's (16 random bytes on a live node, fixed
 * in tests); rate limiting requests per sender belongs to the wiring.
 */
public final class ParamsIssuer {
    private final NodeId me;
    private final RandKey key;
    private final PmPolicy policy;

    public ParamsIssuer(NodeId me, RandKey key, PmPolicy policy) {
        this.me = me;
        this.key = key;
        this.policy = policy;
    }

    /** The faceValue this recipient asks of a sender whose maxFloat toward it is {@code maxFloat}. */
    public BigInteger faceValue(BigInteger maxFloat) {
        BigInteger byCost = BigInteger.valueOf(policy.redeemCost()).multiply(BigInteger.valueOf(policy.redeemCostMultiplier()));
        BigInteger byEv = BigInteger.valueOf(policy.ticketEV()).multiply(BigInteger.valueOf(policy.evMultiplier()));
        BigInteger fv = byCost.max(byEv).min(maxFloat).min(BigInteger.valueOf(CanonicalJson.MAX_SAFE_INTEGER));
        if (policy.maxFaceValue() > 0) {
            fv = fv.min(BigInteger.valueOf(policy.maxFaceValue()));
        }
        return fv;
    }

    public Checked<ParamsOffer> issue(NodeId sender, Bytes seed, long now, BigInteger maxFloat) {
        if (sender.equals(me)) {
            throw new IllegalArgumentException("a member does not pay itself");
        }
        BigInteger fv = faceValue(maxFloat);
        if (fv.compareTo(BigInteger.valueOf(policy.ticketEV())) < 0) {
            return Checked.refused(PmCode.INSUFFICIENT_FLOAT, "the float of " + sender.shortHex() + " toward this node is "
                    + maxFloat + ", below the ticket EV " + policy.ticketEV());
        }
        long faceValue = fv.longValueExact();
        BigInteger winProb = WinMath.winProb(BigInteger.valueOf(policy.ticketEV()), fv);
        long expiresAt = now + policy.paramsTtlMs();
        Bytes rand = key.rand(TicketParams.randInput(expiresAt, faceValue, seed, sender, winProb));
        Bytes hash = Hashes.sha256(rand.toArray());
        return Checked.ok(new ParamsOffer(new TicketParams(me, sender, faceValue, winProb, hash, seed, expiresAt),
                policy.maxNonces()));
    }
}
