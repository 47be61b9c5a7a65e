package io.quorumd.pm;

import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeId;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The paying side of DESIGN §14, without I/O. Holds one session per recipient: the params it accepted and the next
 * nonce, which starts at 1 and grows by one per ticket, never reused. Params are accepted only in answer to a
 * request of this process ({@link #requested}), from their recipient, for this node, never twice for one hash, and
 * only if (upstream {@code validateTicketParams}): more than paramsExpiryBuffer from expiry; more than
 * maxBatchTickets nonces allowed; EV ≤ maxTicketEV and, when paying, a batch's EV ≤ maxBatchEV (exact, {@link Ev});
 * faceValue ≤ own deposit / depositMultiplier; own deposit and reserve funded and no unlock running. Paying
 * re-checks all of it, and stops using params at maxNonces − maxBatchTickets nonces or paramsExpiryBuffer before
 * expiry ({@link #needsParams}), so a batch never reaches the recipient's nonce cap.
 * <p>
 * Nothing here survives a restart: a restarted sender has no session and asks for new params, so it cannot reuse
 * a nonce. The hashes it signed under are fed back from the ledger ({@link #rememberUsed}) so a re-delivered old
 * {@code pm.params} does not restart a session at nonce 1. Caps: one session and one pending request per
 * recipient (members only); used hashes pruned at their expiry. Loop thread only.
 */
public final class Sender {
    /** Signs ticket bytes with this node's key ({@code NodeKey::sign}). */
    @FunctionalInterface
    public interface TicketSigner {
        Bytes sign(byte[] message);
    }

    private static final class Session {
        final ParamsOffer offer;
        long nextNonce = 1;

        Session(ParamsOffer offer) {
            this.offer = offer;
        }

        long used() {
            return nextNonce - 1;
        }
    }

    /**
     * How much longer than this node's paramsTtl a recipient's params may live (its clock may run ahead). Longer
     * params would hold this node's outstanding EV toward that recipient for as long as they live.
     */
    public static final long PARAMS_TTL_SLACK_MS = 60_000;

    private final NodeId me;
    private final TicketSigner signer;
    private final PmPolicy policy;
    private final Map<NodeId, Session> sessions = new HashMap<>();
    private final Set<NodeId> requested = new HashSet<>();
    private final Map<Bytes, Long> usedHashes = new HashMap<>();

    public Sender(NodeId me, TicketSigner signer, PmPolicy policy) {
        this.me = me;
        this.signer = signer;
        this.policy = policy;
    }

    /** This node has sent {@code recipient} a params request. */
    public void requested(NodeId recipient) {
        requested.add(recipient);
    }

    /** Whether paying {@code recipient} needs new params first: none, used up, or too close to expiry. */
    public boolean needsParams(NodeId recipient, long now) {
        Session s = sessions.get(recipient);
        return s == null || usedUp(s) || expiring(s.offer.params(), now);
    }

    /** Takes {@code offer}, signed by {@code from}, as the session with its recipient; or says why not. */
    public Optional<PmRefusal> accept(NodeId from, ParamsOffer offer, Account own, long now) {
        TicketParams p = offer.params();
        if (!p.recipient().equals(from) || !p.sender().equals(me)) {
            return refuse(PmCode.WRONG_RECIPIENT, "params from " + from.shortHex() + " name recipient "
                    + p.recipient().shortHex() + " and sender " + p.sender().shortHex());
        }
        if (!requested.contains(from)) {
            return refuse(PmCode.UNSOLICITED_PARAMS, "no params request to " + from.shortHex() + " is open");
        }
        if (usedHashes.containsKey(p.recipientRandHash())) {
            return refuse(PmCode.KNOWN_PARAMS, "params " + p.recipientRandHash().hex().substring(0, 8)
                    + " were used already");
        }
        if (p.expiresAt() - now > policy.paramsTtlMs() + PARAMS_TTL_SLACK_MS) {
            return refuse(PmCode.PARAMS_TOO_LONG, "params expire in " + (p.expiresAt() - now) + " ms; params live "
                    + policy.paramsTtlMs() + " ms");
        }
        if (offer.maxNonces() <= policy.maxBatchTickets()) {
            return refuse(PmCode.TOO_FEW_NONCES, "params allow " + offer.maxNonces() + " nonces, a batch is up to "
                    + policy.maxBatchTickets());
        }
        Optional<PmRefusal> terms = termsRefusal(p, 1, own, now);
        if (terms.isPresent()) {
            return terms;
        }
        requested.remove(from);
        sessions.put(from, new Session(offer));
        usedHashes.put(p.recipientRandHash(), p.expiresAt());
        return Optional.empty();
    }

    /** A signed batch of {@code count} tickets to {@code recipient} with the next nonces, or why not. */
    public Checked<TicketBatch> pay(NodeId recipient, int count, Account own, long now) {
        if (count < 1 || count > policy.maxBatchTickets()) {
            return Checked.refused(PmCode.BAD_BATCH_SIZE, "a batch is 1 to " + policy.maxBatchTickets() + " tickets");
        }
        Session s = sessions.get(recipient);
        if (s == null) {
            return Checked.refused(PmCode.NO_PARAMS, "no params from " + recipient.shortHex());
        }
        TicketParams p = s.offer.params();
        if (usedUp(s)) {
            sessions.remove(recipient);
            return Checked.refused(PmCode.PARAMS_USED_UP, s.used() + " of " + s.offer.maxNonces() + " nonces used");
        }
        Optional<PmRefusal> terms = termsRefusal(p, count, own, now);
        if (terms.isPresent()) {
            if (terms.get().code() == PmCode.PARAMS_EXPIRING) {
                sessions.remove(recipient);
            }
            return new Checked<>(null, terms.get());
        }
        List<TicketBatch.Entry> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long nonce = s.nextNonce++;
            entries.add(new TicketBatch.Entry(nonce, signer.sign(Ticket.of(p, nonce).signingBytes())));
        }
        return Checked.ok(new TicketBatch(p, entries));
    }

    /** A hash this node signed tickets under before a restart (from its ledger); kept until the params expire. */
    public void rememberUsed(Bytes recipientRandHash, long expiresAt) {
        usedHashes.merge(recipientRandHash, expiresAt, Math::max);
    }

    /** Drops sessions and used hashes of params that expired at or before {@code now}. */
    public void prune(long now) {
        sessions.values().removeIf(s -> s.offer.params().expiresAt() <= now);
        usedHashes.values().removeIf(expiresAt -> expiresAt <= now);
    }

    /** The params of the open session toward {@code recipient}. */
    public Optional<ParamsOffer> session(NodeId recipient) {
        return Optional.ofNullable(sessions.get(recipient)).map(s -> s.offer);
    }

    /** Nonces the open session toward {@code recipient} still allows (0 without one). */
    public long noncesLeft(NodeId recipient) {
        Session s = sessions.get(recipient);
        return s == null ? 0 : Math.max(0, s.offer.maxNonces() - s.used());
    }

    /** The next nonce toward {@code recipient}, if a session is open. */
    public Optional<Long> nextNonce(NodeId recipient) {
        return Optional.ofNullable(sessions.get(recipient)).map(s -> s.nextNonce);
    }

    private Optional<PmRefusal> termsRefusal(TicketParams p, int count, Account own, long now) {
        if (expiring(p, now)) {
            return refuse(PmCode.PARAMS_EXPIRING, "params expire in " + (p.expiresAt() - now) + " ms; the buffer is "
                    + policy.paramsExpiryBufferMs() + " ms");
        }
        Ev ev = p.ev();
        if (ev.exceeds(policy.maxTicketEV())) {
            return refuse(PmCode.EV_TOO_HIGH, "ticket EV " + ev + " > " + policy.maxTicketEV());
        }
        if (ev.times(count).exceeds(policy.maxBatchEV())) {
            return refuse(PmCode.BATCH_EV_TOO_HIGH, count + " tickets of EV " + ev + " > " + policy.maxBatchEV());
        }
        if (own.withdrawAt() != 0) {
            return refuse(PmCode.UNLOCKING, "this node's funds unlock at " + own.withdrawAt());
        }
        if (own.deposit().signum() == 0 || own.reserve().signum() == 0) {
            return refuse(PmCode.NO_FUNDS, "deposit " + own.deposit() + ", reserve " + own.reserve());
        }
        BigInteger maxFace = own.deposit().divide(BigInteger.valueOf(policy.depositMultiplier()));
        if (BigInteger.valueOf(p.faceValue()).compareTo(maxFace) > 0) {
            return refuse(PmCode.FACE_VALUE_ABOVE_DEPOSIT, "faceValue " + p.faceValue() + " > deposit / "
                    + policy.depositMultiplier() + " = " + maxFace);
        }
        return Optional.empty();
    }

    private boolean usedUp(Session s) {
        return s.used() >= s.offer.maxNonces() - policy.maxBatchTickets();
    }

    private boolean expiring(TicketParams p, long now) {
        return p.expiresAt() - now <= policy.paramsExpiryBufferMs();
    }

    private static Optional<PmRefusal> refuse(PmCode code, String detail) {
        return Optional.of(new PmRefusal(code, detail));
    }
}
