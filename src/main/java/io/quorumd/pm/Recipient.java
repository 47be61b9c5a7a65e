package io.quorumd.pm;

import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.Hashes;
import io.quorumd.crypto.NodeId;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The receiving side of DESIGN §14, without I/O: judges each ticket of a batch in a fixed order, credits EV, keeps
 * the winners, and reveals rand only once params have expired.
 * <p>
 * Checks, first failure rejects that ticket only (later tickets of the batch are judged on their own), counted by
 * code: (1) addressed to me ({@code wrong_recipient}); (2) rand recomputes to recipientRandHash ({@code bad_rand});
 * (3) the sender's signature, under its roster key ({@code bad_ticket_sig}; a sender without one fails it); (4) now &lt; paramsExpiresAt ({@code params_expired});
 * (5) (hash, nonce) not accepted before ({@code replayed_nonce}) and fewer than maxNonces accepted under the hash
 * ({@code too_many_nonces}); (6) the sender is not unlocking before the claim window closes, and faceValue ≤
 * maxFloat ({@code insufficient_float}); then (7) credit EV and record a winner. The draw is made only after every
 * check passed, so a refused ticket is never won (upstream draws first and reports a replayed or expired winner as
 * won, and stops crediting a batch at its first bad ticket).
 * <p>
 * Caps: nonces per hash ({@link NonceBook}); EV counters per sender (members only: the envelope is verified against
 * the roster); winners only from accepted tickets, dropped by {@link #expire} once final and past the claim window.
 * Loop thread only.
 */
public final class Recipient {
    /** The judgement of one ticket: accepted (refusal empty) with its EV and draw, or refused. */
    public record Verdict(long senderNonce, String ticketId, Optional<PmRefusal> refusal, boolean won, Ev ev) {
        public boolean accepted() {
            return refusal.isEmpty();
        }
    }

    /** The verdicts of a batch, in batch order, and the accepted tickets as one batch for the ledger (no rand in it). */
    public record Receipt(List<Verdict> verdicts, Optional<TicketBatch> accepted) {
    }

    private final NodeId me;
    private final RandKey key;
    private final PmPolicy policy;
    private final PmMembers members;
    private final FloatSource floats;
    private final NonceBook nonces = new NonceBook();
    private final Map<NodeId, Ev> received = new HashMap<>();
    private final Map<String, Winner> winners = new LinkedHashMap<>();
    private final Map<PmCode, Long> refusals = new EnumMap<>(PmCode.class);

    public Recipient(NodeId me, RandKey key, PmPolicy policy, PmMembers members, FloatSource floats) {
        this.me = me;
        this.key = key;
        this.policy = policy;
        this.members = members;
        this.floats = floats;
    }

    public Receipt receive(TicketBatch batch, long now) {
        TicketParams p = batch.params();
        Checked<Bytes> rand = batchRand(p);
        List<Verdict> verdicts = new ArrayList<>();
        List<TicketBatch.Entry> accepted = new ArrayList<>();
        for (int i = 0; i < batch.tickets().size(); i++) {
            SignedTicket st = batch.signed(i);
            String id = st.ticket().ticketId();
            Optional<PmRefusal> refusal = rand.isOk() ? ticketRefusal(st, now) : rand.refusalIfAny();
            if (refusal.isPresent()) {
                refusals.merge(refusal.get().code(), 1L, Long::sum);
                verdicts.add(new Verdict(st.ticket().senderNonce(), id, refusal, false, Ev.ZERO));
                continue;
            }
            boolean won = credit(st, id, p.seed(), rand.get(), Long.MIN_VALUE);
            nonces.add(p.recipientRandHash(), p.expiresAt(), st.ticket().senderNonce());
            accepted.add(batch.tickets().get(i));
            verdicts.add(new Verdict(st.ticket().senderNonce(), id, Optional.empty(), won, st.ticket().ev()));
        }
        return new Receipt(List.copyOf(verdicts),
                accepted.isEmpty() ? Optional.empty() : Optional.of(new TicketBatch(p, accepted)));
    }

    /** Checks (1) and (2), the same for every ticket of a batch: its rand, computed once, or why none. */
    private Checked<Bytes> batchRand(TicketParams p) {
        if (!p.recipient().equals(me)) {
            return Checked.refused(PmCode.WRONG_RECIPIENT, "the batch of " + p.sender().shortHex() + " is addressed to "
                    + p.recipient().shortHex());
        }
        Bytes rand = key.rand(p);
        if (!Hashes.sha256(rand.toArray()).equals(p.recipientRandHash())) {
            return Checked.refused(PmCode.BAD_RAND, "params of " + p.sender().shortHex()
                    + " do not recompute to their recipientRandHash");
        }
        return Checked.ok(rand);
    }

    /** Check (3): the sender's signature, under its roster key (a sender without one fails it). */
    private boolean signedBySender(SignedTicket st) {
        Optional<Bytes> senderKey = members.ticketKey(st.ticket().sender(), st.ticket().paramsExpiresAt());
        return senderKey.isPresent() && st.verifies(senderKey.get());
    }

    /** Checks (3) to (6), for one ticket whose params passed (1) and (2). */
    private Optional<PmRefusal> ticketRefusal(SignedTicket st, long now) {
        Ticket t = st.ticket();
        String who = t.sender().shortHex() + " nonce " + t.senderNonce();
        if (!signedBySender(st)) {
            return refuse(PmCode.BAD_TICKET_SIG, who);
        }
        if (now >= t.paramsExpiresAt()) {
            return refuse(PmCode.PARAMS_EXPIRED, who + ": params expired " + (now - t.paramsExpiresAt()) + " ms ago");
        }
        Optional<PmRefusal> nonce = nonces.check(t.recipientRandHash(), t.senderNonce(), policy.maxNonces());
        if (nonce.isPresent()) {
            return nonce;
        }
        long withdrawAt = floats.withdrawAt(t.sender());
        if (withdrawAt != 0 && withdrawAt <= t.paramsExpiresAt() + policy.claimWindowMs()) {
            return refuse(PmCode.INSUFFICIENT_FLOAT, who + ": the sender can withdraw at " + withdrawAt
                    + ", before the claim window closes");
        }
        BigInteger maxFloat = floats.maxFloat(t.sender(), me, pending(t.sender()), now);
        if (BigInteger.valueOf(t.faceValue()).compareTo(maxFloat) > 0) {
            return refuse(PmCode.INSUFFICIENT_FLOAT, who + ": faceValue " + t.faceValue() + " > maxFloat " + maxFloat);
        }
        return Optional.empty();
    }

    /**
     * Step (7): credits EV; records a winner (ticket id {@code id}) unless its claim window had closed by {@code now}
     * (replay: nothing left to do; live, {@code Long.MIN_VALUE}). Returns whether the ticket won.
     */
    private boolean credit(SignedTicket st, String id, Bytes seed, Bytes rand, long now) {
        received.merge(st.ticket().sender(), st.ticket().ev(), Ev::plus);
        boolean won = st.wins(rand);
        if (won && now <= st.ticket().paramsExpiresAt() + policy.claimWindowMs()) {
            winners.putIfAbsent(id, new Winner(id, st, seed, WinnerState.WON));
        }
        return won;
    }

    /**
     * Rebuilds from one accepted batch of the ledger (after a restart): EV credited and winners recorded again, and
     * the nonces entered for params not expired at {@code now}, so a re-sent old nonce is refused. Only signed facts
     * are judged again (addressee, rand, signature); a ticket of the ledger that fails them, or one replayed twice
     * under params still live at {@code now}, is skipped and returned. Under params expired by {@code now} no nonce is
     * kept, so a batch replayed twice is credited twice: the caller replays each accepted entry once. Winners whose
     * claim window had closed by {@code now} are not kept; the later states of the others come from the caller's
     * ledger ({@link #restore}).
     */
    public List<Verdict> replay(TicketBatch accepted, long now) {
        TicketParams p = accepted.params();
        Checked<Bytes> rand = batchRand(p);
        List<Verdict> skipped = new ArrayList<>();
        for (int i = 0; i < accepted.tickets().size(); i++) {
            SignedTicket st = accepted.signed(i);
            Ticket t = st.ticket();
            String id = t.ticketId();
            Optional<PmRefusal> refusal = rand.refusalIfAny();
            if (refusal.isEmpty()) {
                if (!signedBySender(st)) {
                    refusal = Optional.of(new PmRefusal(PmCode.BAD_TICKET_SIG, "ledger ticket " + id));
                } else if (nonces.contains(t.recipientRandHash(), t.senderNonce())) {
                    refusal = Optional.of(new PmRefusal(PmCode.REPLAYED_NONCE, "ledger ticket " + id));
                }
            }
            if (refusal.isPresent()) {
                skipped.add(new Verdict(t.senderNonce(), id, refusal, false, Ev.ZERO));
                continue;
            }
            credit(st, id, p.seed(), rand.get(), now);
            if (now < p.expiresAt()) {
                nonces.add(p.recipientRandHash(), p.expiresAt(), t.senderNonce());
            }
        }
        return List.copyOf(skipped);
    }

    /**
     * rand of a winner's params, once they have expired ({@code now > paramsExpiresAt}); empty before, and for a
     * ticket that is not a winner here. The only way rand leaves this class, so no ledger entry or sync page can
     * carry it while tickets under it are still being drawn.
     */
    public Optional<Bytes> revealRand(String ticketId, long now) {
        Winner w = winners.get(ticketId);
        if (w == null || now <= w.signed().ticket().paramsExpiresAt()) {
            return Optional.empty();
        }
        return Optional.of(key.rand(paramsOf(w)));
    }

    /**
     * The {@code pm.redeem} of a winner whose params expired and whose claim window is open; marks it CLAIMED.
     * Empty before expiry, after the window, for a final winner or an unknown ticket.
     */
    public Optional<PmOp.Redeem> claim(String ticketId, long now) {
        Winner w = winners.get(ticketId);
        if (w == null || !w.state().isPending() || now > w.claimDeadline(policy)) {
            return Optional.empty();
        }
        Optional<Bytes> rand = revealRand(ticketId, now);
        if (rand.isEmpty()) {
            return Optional.empty();
        }
        if (w.state() == WinnerState.WON) {
            winners.put(ticketId, w.moveTo(WinnerState.CLAIMED));
        }
        return Optional.of(new PmOp.Redeem(w.signed(), rand.get()));
    }

    /** The executed result of a claimed winner's redemption: SETTLED if it executed ok, REFUSED otherwise. */
    public void settled(String ticketId, boolean ok) {
        Winner w = winners.get(ticketId);
        if (w == null) {
            throw new IllegalStateException("no winner " + ticketId);
        }
        winners.put(ticketId, w.moveTo(ok ? WinnerState.SETTLED : WinnerState.REFUSED));
    }

    /**
     * Replay: puts a winner in the state the ledger recorded for it, through the states between (WON → CLAIMED →
     * SETTLED); ignored for a winner not held. Throws for a step the table forbids (a ledger that went backwards).
     */
    public void restore(String ticketId, WinnerState state) {
        Winner w = winners.get(ticketId);
        if (w == null) {
            return;
        }
        while (w.state() != state) {
            boolean viaClaim = w.state() == WinnerState.WON && state != WinnerState.EXPIRED;
            w = w.moveTo(viaClaim ? WinnerState.CLAIMED : state);
        }
        winners.put(ticketId, w);
    }

    /**
     * Prunes at {@code now}: nonces of expired params; winners still pending past their claim window become
     * EXPIRED (returned: the payment is lost, WARN), and final winners past the window are dropped.
     */
    public List<Winner> expire(long now) {
        nonces.prune(now);
        List<Winner> lost = new ArrayList<>();
        for (Iterator<Map.Entry<String, Winner>> it = winners.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Winner> e = it.next();
            Winner w = e.getValue();
            if (now <= w.claimDeadline(policy)) {
                continue;
            }
            if (w.state().isPending()) {
                lost.add(w.moveTo(WinnerState.EXPIRED));
            }
            it.remove();
        }
        return List.copyOf(lost);
    }

    /** The exact EV credited for {@code sender}'s accepted tickets. */
    public Ev received(NodeId sender) {
        return received.getOrDefault(sender, Ev.ZERO);
    }

    /** Σ faceValue of this recipient's winners from {@code sender} that are not settled yet. */
    public BigInteger pending(NodeId sender) {
        return winners.values().stream()
                .filter(w -> w.state().isPending() && w.signed().ticket().sender().equals(sender))
                .map(w -> BigInteger.valueOf(w.signed().ticket().faceValue()))
                .reduce(BigInteger.ZERO, BigInteger::add);
    }

    public List<Winner> winners() {
        return List.copyOf(winners.values());
    }

    /** The winner with this ticket id, if held. */
    public Optional<Winner> winner(String ticketId) {
        return Optional.ofNullable(winners.get(ticketId));
    }

    public Map<PmCode, Long> refusalCounts() {
        return Map.copyOf(refusals);
    }

    /** How many params hashes the nonce map holds, and how many nonces under one (for tests and the stats line). */
    int nonceHashes() {
        return nonces.hashes();
    }

    int noncesSeen(Bytes hash) {
        return nonces.seen(hash);
    }

    private static TicketParams paramsOf(Winner w) {
        Ticket t = w.signed().ticket();
        return new TicketParams(t.recipient(), t.sender(), t.faceValue(), t.winProb(), t.recipientRandHash(), w.seed(),
                t.paramsExpiresAt());
    }

    private static Optional<PmRefusal> refuse(PmCode code, String detail) {
        return Optional.of(new PmRefusal(code, detail));
    }
}
