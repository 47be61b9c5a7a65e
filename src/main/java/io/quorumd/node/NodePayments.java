package io.quorumd.node;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.LedgerEntry;
import io.quorumd.loop.InboundMessage;
import io.quorumd.loop.Outbox;
import io.quorumd.loop.Scheduler;
import io.quorumd.loop.TimerKey;
import io.quorumd.order.FederationState;
import io.quorumd.pm.Account;
import io.quorumd.pm.Checked;
import io.quorumd.pm.Ev;
import io.quorumd.pm.ParamsIssuer;
import io.quorumd.pm.ParamsOffer;
import io.quorumd.pm.PmCode;
import io.quorumd.pm.PmPolicy;
import io.quorumd.pm.PmRefusal;
import io.quorumd.pm.RandKey;
import io.quorumd.pm.Recipient;
import io.quorumd.pm.Sender;
import io.quorumd.pm.TicketBatch;
import io.quorumd.pm.TicketParams;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Json;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.PmParams;
import io.quorumd.wire.PmParamsRequest;
import io.quorumd.wire.PmTicket;
import io.quorumd.wire.Topics;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Micropayment tickets in a running node (DESIGN §14): answers params requests, takes params and pays with them,
 * judges ticket batches, and redeems its winners through ordering once their params expired. Ledger entries: each
 * own {@code pm.ticket} and {@code pm.params} is a {@code signed} entry before it leaves (no slot: one entry per
 * message); the accepted tickets of each batch a {@code tickets} entry {topic, sender, batch} (only those, each with
 * its own signature), so replay rebuilds the nonce map and the credited EV exactly; each winner's step a {@code ticket} entry
 * {ticketId, state, sender, faceValue, paramsExpiresAt, requestId?, reason?}. rand appears in no entry: a claim's
 * {@code pm.redeem} is made only after expiry and is stored as the order entry of its batch.
 * <p>
 * Caps: params answered at most once a second per sender; the amount owed per recipient is the operator's; winners
 * and nonces are pruned by the core. Without ordering there are no accounts: tickets are exchanged unbacked, EV is
 * counted, winners cannot be redeemed. Loop thread only.
 */
final class NodePayments {
    private static final Logger LOG = LoggerFactory.getLogger(NodePayments.class);
    static final Duration SWEEP_EVERY = Duration.ofSeconds(30);
    static final long PARAMS_REQUEST_GAP_MS = 1000;
    /** Params requests without an answer, 2 s apart, before paying a recipient gives up. */
    static final int MAX_UNANSWERED = 15;
    /**
     * {@code pm pay} keeps the EV outstanding toward one recipient (sent under params whose winners are not settled
     * yet) within deposit / this. A recipient refuses tickets once a sender's deposit is below 3 × its pending
     * winners; with 5 the sender's own burst crosses that only by a 3σ run of luck. The rest waits for settlement.
     */
    static final int OUTSTANDING_SHARE = 5;

    /** Periodic: prune, expire winners past their window, claim again what was not committed in time. */
    record Sweep() implements TimerKey {
    }

    /** No params came after a request, or the outstanding EV was at its cap: try again while something is owed. */
    record ParamsRetry(NodeId recipient) implements TimerKey {
    }

    private final NodeId me;
    private final PmPolicy policy;
    private final Clock clock;
    private final Scheduler scheduler;
    private final EnvelopeSigner signer;
    private final Outbox outbox;
    private final Topics topics;
    private final BiFunction<EntryKind, ObjectNode, LedgerEntry> append;
    private final NodeJournal journal;
    private final Supplier<Optional<NodeOrdering>> ordering;
    private final long requestTtlMs;
    private final Random seeds;
    private final PmView view;
    private final Recipient recipient;
    private final Sender sender;
    private final ParamsIssuer issuer;
    private final PmBook book = new PmBook();
    private final Map<NodeId, Long> lastParamsTo = new HashMap<>();
    private final Map<NodeId, Long> lastRequestTo = new HashMap<>();
    private final PmClaims claims;

    NodePayments(NodeId me, NodeKey key, PmPolicy policy, long skewMs, long requestTtlMs, Clock clock, Scheduler scheduler,
                 EnvelopeSigner signer, Outbox outbox, Topics topics, BiFunction<EntryKind, ObjectNode, LedgerEntry> append,
                 NodeJournal journal, PmView view, Supplier<Optional<NodeOrdering>> ordering, Random seeds) {
        this.me = me;
        this.policy = policy;
        this.requestTtlMs = requestTtlMs;
        this.clock = clock;
        this.scheduler = scheduler;
        this.signer = signer;
        this.outbox = outbox;
        this.topics = topics;
        this.append = append;
        this.journal = journal;
        this.ordering = ordering;
        this.seeds = seeds;
        this.view = view;
        RandKey rand = RandKey.of(key);
        this.recipient = new Recipient(me, rand, policy, view.members(), view.floats());
        this.sender = new Sender(me, key::sign, policy);
        this.issuer = new ParamsIssuer(me, rand, policy);
        this.claims = new PmClaims(me, recipient, book, ordering, clock, scheduler, append, skewMs, requestTtlMs);
    }

    static boolean owns(TimerKey key) {
        return key instanceof PmClaims.ClaimDue || key instanceof Sweep || key instanceof ParamsRetry;
    }

    void start() {
        claims.start();
        scheduler.schedule(SWEEP_EVERY, new Sweep());
    }

    PmPolicy policy() {
        return policy;
    }

    Recipient recipient() {
        return recipient;
    }

    Sender sender() {
        return sender;
    }

    PmBook book() {
        return book;
    }

    PmView view() {
        return view;
    }

    long now() {
        return clock.millis();
    }

    // ---------------------------------------------------------------- messages

    void onMessage(InboundMessage m) {
        Envelope env = m.envelope();
        NodeId from = env.from();
        if (from.equals(me)) {
            journal.rejected("pm_own_message", "a pm message signed by this node came back");
            return;
        }
        switch (env.type()) {
            case PM_PARAMS_REQUEST -> {
                if (((PmParamsRequest) env.body()).recipient().equals(me)) {
                    answerParamsRequest(from);
                } else {
                    journal.rejected(PmCode.WRONG_RECIPIENT.code(), "a params request for another member reached this node");
                }
            }
            case PM_PARAMS -> takeParams(from, ((PmParams) env.body()).offer());
            case PM_TICKET -> takeTickets(m, ((PmTicket) env.body()).batch());
            default -> throw new IllegalArgumentException("not a pm message: " + env.type());
        }
    }

    private void answerParamsRequest(NodeId from) {
        long now = clock.millis();
        Long last = lastParamsTo.get(from);
        if (last != null && now - last < PARAMS_REQUEST_GAP_MS) {
            journal.rejected("pm_rate_limited", "params requests from " + view.label(from) + " come faster than 1/s");
            return;
        }
        lastParamsTo.put(from, now);
        byte[] seed = new byte[TicketParams.SEED_BYTES];
        seeds.nextBytes(seed);
        BigInteger maxFloat = view.floats().maxFloat(from, me, recipient.pending(from), now);
        Checked<ParamsOffer> offer = issuer.issue(from, Bytes.of(seed), now, maxFloat);
        if (!offer.isOk()) {
            refused(offer.refusal());
            return;
        }
        publishSigned(topics.pmTo(from), signer.sign(MessageType.PM_PARAMS, new PmParams(view.epoch(), offer.get())));
    }

    private void takeParams(NodeId from, ParamsOffer offer) {
        Optional<PmRefusal> no = sender.accept(from, offer, view.ownAccount(), clock.millis());
        PmBook.Paying p = book.paying(from);
        if (no.isPresent()) {
            refused(no.get());
            PmCode code = no.get().code();
            if (code != PmCode.UNSOLICITED_PARAMS && code != PmCode.KNOWN_PARAMS && code != PmCode.WRONG_RECIPIENT) {
                stop(from, p, "params from " + view.label(from) + " refused: " + no.get());
            }
            return;
        }
        p.lastError = "";
        p.unanswered = 0;
        payOwed(from);
    }

    private void takeTickets(InboundMessage m, TicketBatch batch) {
        Recipient.Receipt receipt = recipient.receive(batch, clock.millis());
        for (Recipient.Verdict v : receipt.verdicts()) {
            v.refusal().ifPresent(this::refused);
        }
        if (receipt.accepted().isEmpty()) {
            return;
        }
        ObjectNode data = Json.object();
        data.put("topic", m.topic());
        data.put("sender", batch.params().sender().hex());
        data.set("batch", receipt.accepted().get().toJson());
        append.apply(EntryKind.TICKETS, data);
        book.accepted(batch.params().sender(), receipt.accepted().get().tickets().size());
        for (Recipient.Verdict v : receipt.verdicts()) {
            if (v.accepted() && v.won()) {
                claims.ticketEntry(v.ticketId(), "won", null, null);
                claims.scheduleClaim(batch.params().expiresAt(), clock.millis());
            }
        }
    }

    private void refused(PmRefusal r) {
        journal.rejected(r.code().code(), r.detail());
    }

    // ---------------------------------------------------------------- paying

    /** The operator asks to pay {@code to} EV worth {@code units}: owed until paid with tickets. */
    void pay(NodeId to, long units) {
        if (to.equals(me)) {
            throw new ControlCommands.Refused("a member does not pay itself");
        }
        PmBook.Paying p = book.paying(to);
        p.owed = p.owed.plus(Ev.units(units));
        p.lastError = "";
        payOwed(to);
    }

    /** Asks {@code to} for params now (the operator's {@code pm params}), unless a request went out within a second. */
    void requestParams(NodeId to) {
        long now = clock.millis();
        Long last = lastRequestTo.get(to);
        if (last != null && now - last < PARAMS_REQUEST_GAP_MS) {
            return;
        }
        PmBook.Paying p = book.paying(to);
        if (++p.unanswered > MAX_UNANSWERED) {
            stop(to, p, "no params from " + view.label(to) + " after " + MAX_UNANSWERED + " requests: is pm enabled"
                    + " there? its log says why it refuses (e.g. insufficient_float)");
            return;
        }
        lastRequestTo.put(to, now);
        sender.requested(to);
        outbox.publish(topics.pmTo(to), signer.sign(MessageType.PM_PARAMS_REQUEST,
                new PmParamsRequest(to, view.epoch(), now)), false);
        scheduler.schedule(Duration.ofSeconds(2), new ParamsRetry(to));
    }

    private void payOwed(NodeId to) {
        PmBook.Paying p = book.paying(to);
        while (p.owed.scaled().signum() > 0) {
            long now = clock.millis();
            if (sender.needsParams(to, now)) {
                requestParams(to);
                return;
            }
            TicketParams params = sender.session(to).orElseThrow().params();
            Ev ev = params.ev();
            BigInteger want = p.owed.scaled().add(ev.scaled()).subtract(BigInteger.ONE).divide(ev.scaled());
            long byBatchEv = Ev.units(policy.maxBatchEV()).scaled().divide(ev.scaled()).longValue();
            long byFloat = headroom(p, now).divide(ev.scaled()).longValue();
            if (byFloat < 1) {
                long next = p.outstanding.isEmpty() ? now + SWEEP_EVERY.toMillis() : p.outstanding.firstKey();
                scheduler.schedule(Duration.ofMillis(Math.max(1, next - now)), new ParamsRetry(to));
                return;
            }
            int count = (int) Math.max(1, Math.min(Math.min(want.longValue(), policy.maxBatchTickets()),
                    Math.min(Math.min(byBatchEv, byFloat), sender.noncesLeft(to))));
            Checked<TicketBatch> batch = sender.pay(to, count, view.ownAccount(), now);
            if (!batch.isOk()) {
                if (sender.needsParams(to, now)) {
                    continue;
                }
                stop(to, p, batch.refusal().toString());
                return;
            }
            Envelope env = signer.sign(MessageType.PM_TICKET, new PmTicket(view.epoch(), batch.get()));
            publishSigned(topics.pmTo(to), env);
            Ev sent = ev.times(count);
            book.sent(to, count, sent, settledBy(params.expiresAt()));
            p.owed = sent.compareTo(p.owed) >= 0 ? Ev.ZERO : new Ev(p.owed.scaled().subtract(sent.scaled()));
        }
    }

    /** Gives up what is still owed to {@code to}, with the reason the operator sees. */
    private void stop(NodeId to, PmBook.Paying p, String reason) {
        if (p.owed.scaled().signum() == 0) {
            return;
        }
        p.lastError = reason;
        p.owed = Ev.ZERO;
        p.unanswered = 0;
        LOG.atWarn().addKeyValue("to", view.label(to)).addKeyValue("reason", reason).log("pm: payment stopped");
    }

    /** When the winners of params expiring at {@code expiresAt} should be settled: claimed, then ordered. */
    private static long settledBy(long expiresAt) {
        return expiresAt + PmClaims.CLAIM_DELAY_MS + 3000;
    }

    /** The EV this node may still send {@code p}'s recipient before settlements (scaled), from its own deposit. */
    private BigInteger headroom(PmBook.Paying p, long now) {
        Account own = view.ownAccount();
        if (own == PmView.UNMETERED) {
            return Ev.units(policy.maxBatchEV()).scaled();
        }
        BigInteger cap = own.deposit().divide(BigInteger.valueOf(OUTSTANDING_SHARE)).shiftLeft(256);
        return cap.subtract(p.outstanding(now).scaled()).max(BigInteger.ZERO);
    }

    /** A {@code signed} entry without a slot (one entry per message), then the publish after the batch's fsync. */
    private void publishSigned(String topic, Envelope env) {
        ObjectNode data = Json.object();
        data.put("topic", topic);
        data.put("retained", false);
        data.set("envelope", env.toJson());
        append.apply(EntryKind.SIGNED, data);
        outbox.publish(topic, env, false);
    }

    void onTimer(TimerKey key) {
        if (key instanceof PmClaims.ClaimDue c) {
            claims.due(c.expiresAt());
        } else if (key instanceof Sweep) {
            sender.prune(clock.millis());
            claims.sweep();
            scheduler.schedule(SWEEP_EVERY, new Sweep());
        } else if (key instanceof ParamsRetry r && book.paying(r.recipient()).owed.scaled().signum() > 0) {
            payOwed(r.recipient());
        }
    }

    /** An ordered request executed (see {@link PmClaims#executed}). */
    void executed(FederationState.Result r) {
        claims.executed(r);
    }

    Optional<String> replayTicket(ObjectNode d, long entryTs) {
        return claims.replayTicket(d, entryTs);
    }

    // ---------------------------------------------------------------- replay

    /** Replay of an own {@code signed} ticket batch: its params are never taken again; the sent totals. */
    void replaySent(TicketBatch batch) {
        sender.rememberUsed(batch.params().recipientRandHash(), batch.params().expiresAt());
        book.sent(batch.params().recipient(), batch.tickets().size(), batch.params().ev().times(batch.tickets().size()),
                settledBy(batch.params().expiresAt()));
    }

    /** Replay of a {@code tickets} entry: the tickets taken from one batch. */
    void replayAccepted(TicketBatch taken) {
        List<Recipient.Verdict> skipped = recipient.replay(taken, clock.millis());
        book.accepted(taken.params().sender(), taken.tickets().size() - skipped.size());
    }


}
