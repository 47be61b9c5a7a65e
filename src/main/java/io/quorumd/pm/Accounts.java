package io.quorumd.pm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.CanonicalJson;
import io.quorumd.crypto.Hashes;
import io.quorumd.crypto.NodeId;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Json;
import io.quorumd.wire.JsonFields;
import java.math.BigInteger;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The replicated micropayment accounts (DESIGN §14): a deterministic state machine that every node runs over the
 * same ordered operations at the same (seq, ts) and so holds byte for byte the same state ({@link #digest}). Time
 * is the ordered ts only, never a local clock. Each operation yields a {@link Result}: ok, or refused with a code.
 * <p>
 * Reserve allocation (upstream MixinReserve): with poolSize = members − 1, a recipient may claim from a sender's
 * reserve in one reserve period ⌊(reserve + claimed from it this period) / poolSize⌋ minus what that recipient
 * claimed this period — an equal share of the reserve as it stood when the period began. Redemption (upstream
 * MixinTicketBrokerCore) pays from the deposit first, then from that allocation; the rest is shortfall.
 * <p>
 * Caps: one account per member who signed an op or won a ticket; claims per account are per recipient of the
 * current period only; used ticket ids are pruned once their claim window has closed (a later redeem of one is
 * refused outside_claim_window anyway). Loop thread only.
 */
public final class Accounts {
    /** What one redemption moved: face value paid from the deposit, from the reserve, and left unpaid. */
    public record Payment(String ticketId, NodeId sender, NodeId recipient, BigInteger fromDeposit, BigInteger fromReserve,
                          BigInteger shortfall) {
        public BigInteger paid() {
            return fromDeposit.add(fromReserve);
        }
    }

    /** The outcome of one executed operation; amounts are zero where the op moves none. */
    public record Result(long seq, NodeId signer, String op, Optional<PmRefusal> refusal, Optional<Payment> payment,
                         BigInteger withdrawn) {
        public boolean ok() {
            return refusal.isEmpty();
        }
    }

    private final PmPolicy policy;
    private final TreeMap<NodeId, Account> accounts = new TreeMap<>();
    /** ticketId → the end of its claim window: redeemed tickets that could still be presented again. */
    private final TreeMap<String, Long> used = new TreeMap<>();
    private long lastSeq;
    private long lastTs;

    public Accounts(PmPolicy policy) {
        this.policy = policy;
    }

    /** The parameters these accounts run by (their times fixed at the anchor). */
    public PmPolicy policy() {
        return policy;
    }

    public Account account(NodeId member) {
        return accounts.getOrDefault(member, Account.EMPTY);
    }

    /**
     * A member rotated its key: its account moves from the old id to the new one (DESIGN §12, key rotation), and so
     * do the claims it made this period on other senders' reserves: a new key is not a new share of any reserve.
     */
    public void moveAccount(NodeId from, NodeId to) {
        Account a = accounts.remove(from);
        if (a != null) {
            accounts.put(to, a);
        }
        accounts.replaceAll((member, account) -> account.withClaimantRenamed(from, to));
    }

    /** Whether no operation ever executed here: the state a federation without pm ops holds. */
    public boolean untouched() {
        return lastSeq == 0 && accounts.isEmpty() && used.isEmpty();
    }

    public long lastSeq() {
        return lastSeq;
    }

    public long lastTs() {
        return lastTs;
    }

    /** Executes {@code op} signed by {@code signer} at ordered (seq, ts); seq and ts never go back. */
    public Result execute(long seq, long ts, NodeId signer, PmOp op, PmMembers members) {
        if (seq < lastSeq || ts < lastTs) {
            throw new IllegalStateException("ordered ops go forward: seq " + seq + " ts " + ts + " after seq " + lastSeq
                    + " ts " + lastTs);
        }
        lastSeq = seq;
        lastTs = ts;
        used.values().removeIf(until -> until < ts);
        if (!members.isMember(signer)) {
            return refused(seq, signer, op, PmCode.NOT_A_MEMBER, signer.shortHex() + " is not a member");
        }
        Account a = account(signer);
        if (op instanceof PmOp.Fund f) {
            return fund(seq, signer, f, a);
        } else if (op instanceof PmOp.Unlock) {
            if (!a.hasFunds()) {
                return refused(seq, signer, op, PmCode.NO_FUNDS, "nothing to unlock");
            }
            if (a.unlocking()) {
                return refused(seq, signer, op, PmCode.UNLOCK_IN_PROGRESS, "funds unlock at " + a.withdrawAt());
            }
            accounts.put(signer, a.withFunds(a.deposit(), a.reserve(), ts + policy.unlockPeriodMs()));
            return ok(seq, signer, op);
        } else if (op instanceof PmOp.CancelUnlock) {
            if (!a.unlocking()) {
                return refused(seq, signer, op, PmCode.NO_UNLOCK, "no unlock is running");
            }
            accounts.put(signer, a.withFunds(a.deposit(), a.reserve(), 0));
            return ok(seq, signer, op);
        } else if (op instanceof PmOp.Withdraw) {
            return withdraw(seq, ts, signer, a);
        } else if (op instanceof PmOp.Redeem r) {
            return redeem(seq, ts, signer, r, members);
        }
        throw new IllegalStateException("unknown pm op " + op);
    }

    private Result fund(long seq, NodeId signer, PmOp.Fund f, Account a) {
        if (f.deposit() == 0 && f.reserve() == 0) {
            return refused(seq, signer, f, PmCode.BAD_AMOUNT, "funding adds nothing");
        }
        accounts.put(signer, a.withFunds(a.deposit().add(BigInteger.valueOf(f.deposit())),
                a.reserve().add(BigInteger.valueOf(f.reserve())), 0));
        return ok(seq, signer, f);
    }

    private Result withdraw(long seq, long ts, NodeId signer, Account a) {
        PmOp op = new PmOp.Withdraw();
        if (!a.hasFunds()) {
            return refused(seq, signer, op, PmCode.NO_FUNDS, "nothing to withdraw");
        }
        if (!a.unlocking()) {
            return refused(seq, signer, op, PmCode.NO_UNLOCK, "unlock first");
        }
        if (a.lockedAt(ts)) {
            return refused(seq, signer, op, PmCode.STILL_LOCKED, "funds unlock at " + a.withdrawAt());
        }
        accounts.put(signer, a.emptied());
        return new Result(seq, signer, op.op(), Optional.empty(), Optional.empty(), a.deposit().add(a.reserve()));
    }

    /**
     * Checks, first failure refuses: signed by the ticket's recipient ({@code not_recipient}); rand hashes to
     * recipientRandHash ({@code bad_rand}); the sender's signature ({@code bad_ticket_sig}); the ticket wins
     * ({@code not_winning}); its id unused ({@code used_ticket}); paramsExpiresAt &lt; ts ≤ paramsExpiresAt +
     * claimWindow ({@code outside_claim_window}); the sender locked at ts ({@code sender_unlocked}); deposit or
     * reserve left ({@code no_funds}). Then the id is used, and the face value paid from the deposit, then from the
     * recipient's reserve allocation; the rest is shortfall.
     */
    private Result redeem(long seq, long ts, NodeId signer, PmOp.Redeem r, PmMembers members) {
        Ticket t = r.signed().ticket();
        String id = t.ticketId();
        Optional<Bytes> key = members.ticketKey(t.sender(), t.paramsExpiresAt());
        Account s = account(t.sender());
        PmCode code = null;
        String detail = "ticket " + id.substring(0, 8);
        if (!signer.equals(t.recipient())) {
            code = PmCode.NOT_RECIPIENT;
            detail += " is payable to " + t.recipient().shortHex();
        } else if (!Hashes.sha256(r.rand().toArray()).equals(t.recipientRandHash())) {
            code = PmCode.BAD_RAND;
        } else if (key.isEmpty() || !r.signed().verifies(key.get())) {
            code = PmCode.BAD_TICKET_SIG;
        } else if (!r.signed().wins(r.rand())) {
            code = PmCode.NOT_WINNING;
        } else if (used.containsKey(id)) {
            code = PmCode.USED_TICKET;
        } else if (ts <= t.paramsExpiresAt() || ts > t.paramsExpiresAt() + policy.claimWindowMs()) {
            code = PmCode.OUTSIDE_CLAIM_WINDOW;
            detail += ": redeemable after " + t.paramsExpiresAt() + " until " + (t.paramsExpiresAt() + policy.claimWindowMs());
        } else if (!s.lockedAt(ts)) {
            code = PmCode.SENDER_UNLOCKED;
            detail += ": the sender's funds unlocked at " + s.withdrawAt();
        } else if (!s.hasFunds()) {
            code = PmCode.NO_FUNDS;
            detail += ": the sender has neither deposit nor reserve";
        }
        if (code != null) {
            return refused(seq, signer, r, code, detail);
        }
        used.put(id, t.paramsExpiresAt() + policy.claimWindowMs());
        BigInteger face = BigInteger.valueOf(t.faceValue());
        BigInteger fromDeposit = face.min(s.deposit());
        long p = period(ts);
        BigInteger alloc = reserveAlloc(s, t.recipient(), p, members).max(BigInteger.ZERO);
        BigInteger fromReserve = face.subtract(fromDeposit).min(alloc);
        BigInteger shortfall = face.subtract(fromDeposit).subtract(fromReserve);
        accounts.put(t.sender(), s.paying(fromDeposit, fromReserve, t.recipient(), p));
        accounts.put(t.recipient(), account(t.recipient()).earning(fromDeposit.add(fromReserve), shortfall));
        Payment pay = new Payment(id, t.sender(), t.recipient(), fromDeposit, fromReserve, shortfall);
        return new Result(seq, signer, r.op(), Optional.empty(), Optional.of(pay), BigInteger.ZERO);
    }

    /** The reserve period of ordered time {@code ts}. */
    public long period(long ts) {
        return Math.floorDiv(ts, policy.reservePeriodMs());
    }

    /**
     * What {@code recipient} may still claim from {@code sender}'s account in period {@code p}: ⌊(reserve + claimed
     * this period) / (members − 1)⌋ − claimed by it this period, and never more than the reserve still holds; 0 for a
     * non-member or a federation of one. The cap matters when the pool shrinks within a period (a roster update
     * removed members who had claimed): the share formula then exceeds what is left, and without the cap the reserve
     * would go negative — face value paid from nothing, and a state document {@link #fromJson} refuses.
     */
    static BigInteger reserveAlloc(Account sender, NodeId recipient, long p, PmMembers members) {
        int pool = members.count() - 1;
        if (pool <= 0 || !members.isMember(recipient)) {
            return BigInteger.ZERO;
        }
        BigInteger total = sender.reserve().add(sender.claimedIn(p));
        return total.divide(BigInteger.valueOf(pool)).subtract(sender.claimedBy(p, recipient)).min(sender.reserve());
    }

    /**
     * maxFloat (upstream sender monitor): the face value a recipient may risk on a sender, holding {@code pending}
     * unsettled winners from it. The reserve allocation if deposit ≥ 3 × pending (the deposit then covers what is
     * pending with room: upstream {@code minDepositPendingRatio}), else the allocation less what is pending. The
     * deposit itself is not float: it is first-come, first-paid across all recipients, while the allocation is this
     * recipient's alone. May be negative.
     */
    public BigInteger maxFloat(NodeId sender, NodeId recipient, BigInteger pending, long ts, PmMembers members) {
        Account s = account(sender);
        BigInteger alloc = reserveAlloc(s, recipient, period(ts), members);
        boolean covered = s.deposit().compareTo(pending.multiply(BigInteger.valueOf(3))) >= 0;
        return covered ? alloc : alloc.subtract(pending);
    }

    /** This state seen from one recipient, against a fixed view of the members. */
    public FloatSource floats(PmMembers members) {
        return new FloatSource() {
            @Override
            public long withdrawAt(NodeId sender) {
                return account(sender).withdrawAt();
            }

            @Override
            public BigInteger maxFloat(NodeId sender, NodeId recipient, BigInteger pending, long now) {
                return Accounts.this.maxFloat(sender, recipient, pending, now, members);
            }
        };
    }

    /** 64 lowercase hex: SHA-256 of {@link #toJson}. */
    public String digest() {
        return Hashes.sha256(CanonicalJson.encode(toJson())).hex();
    }

    /** The canonical state: accounts sorted by member id, used ticket ids sorted, the last seq and ts. */
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        ArrayNode list = o.putArray("accounts");
        accounts.forEach((member, a) -> list.add(a.toJson(member)));
        ArrayNode u = o.putArray("used");
        used.forEach((id, until) -> u.addObject().put("ticketId", id).put("until", until));
        o.put("lastSeq", lastSeq);
        o.put("lastTs", lastTs);
        return o;
    }

    /** The state {@link #toJson} wrote; strict, so an altered state document is refused. */
    public static Accounts fromJson(JsonNode json, PmPolicy policy) throws DecodeException {
        JsonFields f = new JsonFields(json, "pmState");
        Accounts state = new Accounts(policy);
        for (Map.Entry<NodeId, Account> e : f.objects("accounts", Account::read)) {
            if (state.accounts.put(e.getKey(), e.getValue()) != null) {
                throw PmJson.bad("pmState.accounts names " + e.getKey().shortHex() + " twice");
            }
        }
        for (Map.Entry<String, Long> e : f.objects("used", x -> Map.entry(x.sha256("ticketId"), PmJson.ranged(x, "until", 0)))) {
            if (state.used.put(e.getKey(), e.getValue()) != null) {
                throw PmJson.bad("pmState.used names " + e.getKey() + " twice");
            }
        }
        state.lastSeq = PmJson.ranged(f, "lastSeq", 0);
        state.lastTs = PmJson.ranged(f, "lastTs", 0);
        f.done();
        return state;
    }

    private static Result ok(long seq, NodeId signer, PmOp op) {
        return new Result(seq, signer, op.op(), Optional.empty(), Optional.empty(), BigInteger.ZERO);
    }

    private static Result refused(long seq, NodeId signer, PmOp op, PmCode code, String detail) {
        return new Result(seq, signer, op.op(), Optional.of(new PmRefusal(code, detail)), Optional.empty(), BigInteger.ZERO);
    }
}
