package io.quorumd.pm;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.NodeId;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Json;
import io.quorumd.wire.JsonFields;
import java.math.BigInteger;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One member's micropayment account in the replicated state: what it holds as a sender (deposit, reserve, withdrawAt
 * — 0 when locked — and its reserve claims of the current reserve period) and its running totals (earned as a
 * recipient, paid as a sender, shortfall: face value it won but its senders could not pay). Claims are kept for one
 * period only ({@code period} = ⌊ordered ts / reservePeriod⌋); a later period starts from none. Immutable.
 */
public record Account(BigInteger deposit, BigInteger reserve, long withdrawAt, long period, BigInteger claimedForPeriod,
                      SortedMap<NodeId, BigInteger> claimedBy, BigInteger earned, BigInteger paid, BigInteger shortfall) {
    public static final Account EMPTY = new Account(BigInteger.ZERO, BigInteger.ZERO, 0, 0, BigInteger.ZERO, new TreeMap<>(),
            BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO);

    public Account {
        claimedBy = Collections.unmodifiableSortedMap(new TreeMap<>(claimedBy));
    }

    public boolean hasFunds() {
        return deposit.signum() > 0 || reserve.signum() > 0;
    }

    public boolean unlocking() {
        return withdrawAt != 0;
    }

    /** Locked at ordered time {@code ts}: no unlock running, or its period not over. */
    public boolean lockedAt(long ts) {
        return withdrawAt == 0 || ts < withdrawAt;
    }

    /** Reserve claimed by all recipients in {@code p}. */
    public BigInteger claimedIn(long p) {
        return p == period ? claimedForPeriod : BigInteger.ZERO;
    }

    /** Reserve claimed by {@code recipient} in {@code p}. */
    public BigInteger claimedBy(long p, NodeId recipient) {
        return p == period ? claimedBy.getOrDefault(recipient, BigInteger.ZERO) : BigInteger.ZERO;
    }

    Account withFunds(BigInteger newDeposit, BigInteger newReserve, long newWithdrawAt) {
        return new Account(newDeposit, newReserve, newWithdrawAt, period, claimedForPeriod, claimedBy, earned, paid, shortfall);
    }

    /** The account after its funds were withdrawn: no funds, no claims; withdrawAt stays until it funds again. */
    Account emptied() {
        return new Account(BigInteger.ZERO, BigInteger.ZERO, withdrawAt, 0, BigInteger.ZERO, new TreeMap<>(), earned, paid,
                shortfall);
    }

    /** As a sender: pays {@code fromDeposit} and claims {@code fromReserve} for {@code recipient} in period {@code p}. */
    Account paying(BigInteger fromDeposit, BigInteger fromReserve, NodeId recipient, long p) {
        TreeMap<NodeId, BigInteger> by = new TreeMap<>(p == period ? claimedBy : Map.of());
        BigInteger forPeriod = claimedIn(p).add(fromReserve);
        if (fromReserve.signum() > 0) {
            by.merge(recipient, fromReserve, BigInteger::add);
        }
        return new Account(deposit.subtract(fromDeposit), reserve.subtract(fromReserve), withdrawAt, p, forPeriod, by, earned,
                paid.add(fromDeposit).add(fromReserve), shortfall);
    }

    /** The same account with the claims {@code from} made this period recorded under {@code to} (a rotated key). */
    Account withClaimantRenamed(NodeId from, NodeId to) {
        if (!claimedBy.containsKey(from)) {
            return this;
        }
        TreeMap<NodeId, BigInteger> by = new TreeMap<>(claimedBy);
        by.merge(to, by.remove(from), BigInteger::add);
        return new Account(deposit, reserve, withdrawAt, period, claimedForPeriod, by, earned, paid, shortfall);
    }

    /** As a recipient: earns {@code amount}, and {@code unpaid} of the face value went unpaid. */
    Account earning(BigInteger amount, BigInteger unpaid) {
        return new Account(deposit, reserve, withdrawAt, period, claimedForPeriod, claimedBy, earned.add(amount), paid,
                shortfall.add(unpaid));
    }

    /** The canonical form: amounts as decimal strings (sums may pass 2^53 − 1), claims sorted by recipient id. */
    ObjectNode toJson(NodeId member) {
        ObjectNode o = Json.object();
        o.put("member", member.hex());
        o.put("deposit", deposit.toString());
        o.put("reserve", reserve.toString());
        o.put("withdrawAt", withdrawAt);
        o.put("period", period);
        o.put("claimedForPeriod", claimedForPeriod.toString());
        ArrayNode by = o.putArray("claimedBy");
        claimedBy.forEach((r, amount) -> by.addObject().put("recipient", r.hex()).put("amount", amount.toString()));
        o.put("earned", earned.toString());
        o.put("paid", paid.toString());
        o.put("shortfall", shortfall.toString());
        return o;
    }

    static Map.Entry<NodeId, Account> read(JsonFields f) throws DecodeException {
        NodeId member = f.nodeId("member");
        BigInteger deposit = PmJson.decimal(f, "deposit");
        BigInteger reserve = PmJson.decimal(f, "reserve");
        long withdrawAt = PmJson.ranged(f, "withdrawAt", 0);
        long period = PmJson.ranged(f, "period", 0);
        BigInteger forPeriod = PmJson.decimal(f, "claimedForPeriod");
        TreeMap<NodeId, BigInteger> by = new TreeMap<>();
        for (Map.Entry<NodeId, BigInteger> e : f.objects("claimedBy",
                c -> Map.entry(c.nodeId("recipient"), PmJson.decimal(c, "amount")))) {
            if (by.put(e.getKey(), e.getValue()) != null) {
                throw PmJson.bad("claimedBy names " + e.getKey().shortHex() + " twice");
            }
        }
        Account a = new Account(deposit, reserve, withdrawAt, period, forPeriod, by, PmJson.decimal(f, "earned"),
                PmJson.decimal(f, "paid"), PmJson.decimal(f, "shortfall"));
        return Map.entry(member, a);
    }
}
