package io.quorumd.order;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.NodeId;
import io.quorumd.pm.Accounts;
import io.quorumd.pm.PmMembers;
import io.quorumd.pm.PmOp;
import io.quorumd.pm.PmPolicy;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.JsonFields;
import io.quorumd.wire.OrderRequest;
import io.quorumd.wire.RejectReason;
import io.quorumd.wire.Roster;
import java.util.Optional;

/**
 * The micropayment accounts of DESIGN §14 as part of the ordered state: {@link Accounts} run at each executed
 * (seq, ts) against the epoch's roster, with the time parameters (unlockPeriod, claimWindow, reservePeriod) fixed
 * at the anchor. Those parameters change replicated state, so they must be equal on every node; the state document
 * carries them ({@code pmPolicy}) only when they differ from the defaults, and the accounts ({@code pm}) only once a
 * pm op executed, so the digest of a state without either is what it was before accounts existed.
 */
final class FederationAccounts {
    private final Accounts accounts;

    FederationAccounts(PmPolicy policy) {
        this(new Accounts(policy));
    }

    private FederationAccounts(Accounts accounts) {
        this.accounts = accounts;
    }

    Accounts accounts() {
        return accounts;
    }

    /** Executes the pm op of {@code r} signed by {@code from}; the refusal as "code: detail", if refused. */
    Optional<String> execute(long seq, long ts, NodeId from, OrderRequest r, Roster roster) {
        PmOp op;
        try {
            op = PmOp.parse(r.op(), r.args());
        } catch (DecodeException e) {
            return Optional.of(e.getMessage());
        }
        Accounts.Result result = accounts.execute(seq, ts, from, op, PmMembers.of(roster));
        return result.refusal().map(Object::toString);
    }

    /** A rotation executed: the member's account follows it to its new id. */
    void rotated(NodeId from, NodeId to) {
        accounts.moveAccount(from, to);
    }

    FederationAccounts copy() {
        try {
            return new FederationAccounts(Accounts.fromJson(accounts.toJson(), accounts.policy()));
        } catch (DecodeException e) {
            throw new IllegalStateException("accounts do not read back: " + e.getMessage(), e);
        }
    }

    /** Adds {@code pmPolicy} (if not the defaults' times) and {@code pm} (once an op executed) to the state. */
    void writeTo(ObjectNode state) {
        PmPolicy policy = accounts.policy();
        if (!defaultTimes(policy)) {
            ObjectNode p = state.putObject("pmPolicy");
            p.put("claimWindow", policy.claimWindowMs());
            p.put("reservePeriod", policy.reservePeriodMs());
            p.put("unlockPeriod", policy.unlockPeriodMs());
        }
        if (!accounts.untouched()) {
            state.set("pm", accounts.toJson());
        }
    }

    /**
     * What {@link #writeTo} wrote, read from the state's fields; absent fields are the defaults, no accounts. Only what
     * {@link #writeTo} writes is read: {@code pmPolicy} with the default times, or {@code pm} of accounts no op
     * touched, would be a second document for one digest, and is refused.
     */
    static FederationAccounts readFrom(JsonNode state, JsonFields f) throws DecodeException {
        PmPolicy policy = PmPolicy.defaults();
        if (state.has("pmPolicy")) {
            JsonFields p = new JsonFields(f.object("pmPolicy"), "state.pmPolicy");
            policy = timing(p.nonNegative("claimWindow"), p.nonNegative("reservePeriod"), p.nonNegative("unlockPeriod"));
            p.done();
            if (defaultTimes(policy)) {
                throw new DecodeException(RejectReason.BAD_VALUE, "state.pmPolicy holds the default times: omit it");
            }
        }
        Accounts accounts = state.has("pm") ? Accounts.fromJson(f.object("pm"), policy) : new Accounts(policy);
        if (state.has("pm") && accounts.untouched()) {
            throw new DecodeException(RejectReason.BAD_VALUE, "state.pm holds accounts no op touched: omit it");
        }
        return new FederationAccounts(accounts);
    }

    private static boolean defaultTimes(PmPolicy policy) {
        PmPolicy d = PmPolicy.defaults();
        return policy.unlockPeriodMs() == d.unlockPeriodMs() && policy.claimWindowMs() == d.claimWindowMs()
                && policy.reservePeriodMs() == d.reservePeriodMs();
    }

    /**
     * The defaults with the three ordered-time parameters replaced: all the accounts read. The params lifetime only
     * bounds the unlock period here; it is shortened if the recorded times need it, as a node's own config allowed.
     */
    static PmPolicy timing(long claimWindowMs, long reservePeriodMs, long unlockPeriodMs) throws DecodeException {
        PmPolicy d = PmPolicy.defaults();
        long ttl = Math.min(d.paramsTtlMs(), unlockPeriodMs - claimWindowMs - 1);
        try {
            return new PmPolicy(d.ticketEV(), d.evMultiplier(), d.redeemCost(), d.redeemCostMultiplier(),
                    d.maxFaceValue(), ttl, Math.min(d.paramsExpiryBufferMs(), ttl - 1), d.maxNonces(),
                    d.maxBatchTickets(), d.maxTicketEV(), d.maxBatchEV(), d.depositMultiplier(), claimWindowMs,
                    unlockPeriodMs, reservePeriodMs);
        } catch (IllegalArgumentException e) {
            throw new DecodeException(RejectReason.BAD_VALUE, "state.pmPolicy: " + e.getMessage());
        }
    }

    /** The policy a state anchored on this node's config holds: the config's times over the defaults. */
    static PmPolicy ofConfig(PmPolicy configured) {
        try {
            return timing(configured.claimWindowMs(), configured.reservePeriodMs(), configured.unlockPeriodMs());
        } catch (DecodeException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
