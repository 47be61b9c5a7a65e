package io.quorumd.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.NodeId;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.LedgerEntry;
import io.quorumd.ledger.LedgeredSigner;
import io.quorumd.loop.Outbox;
import io.quorumd.loop.Scheduler;
import io.quorumd.loop.TimerKey;
import io.quorumd.pm.Account;
import io.quorumd.pm.Checked;
import io.quorumd.pm.Ev;
import io.quorumd.pm.ParamsOffer;
import io.quorumd.pm.PmCode;
import io.quorumd.pm.PmPolicy;
import io.quorumd.pm.PmRefusal;
import io.quorumd.pm.Sender;
import io.quorumd.pm.TicketBatch;
import io.quorumd.pm.TicketParams;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Json;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.PmParamsRequest;
import io.quorumd.wire.PmTicket;
import io.quorumd.wire.Topics;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The paying side of a node's ticket machine (DESIGN §14): {@code pm pay} owes a recipient EV until it is paid in
 * ticket batches under that recipient's params, asked for as needed; each batch is a {@code signed} entry before
 * it leaves. Caps: batches within maxBatchTickets and maxBatchEV; EV outstanding toward one recipient within
 * deposit / {@value #OUTSTANDING_SHARE}; params requests at most one a second per recipient, and paying gives up
 * after {@value #MAX_UNANSWERED} unanswered ones. Loop thread only.
 */
final class PmPaying {
    private static final Logger LOG = LoggerFactory.getLogger(PmPaying.class);
    static final long PARAMS_REQUEST_GAP_MS = 1000;
    /** Params requests without an answer, 2 s apart, before paying a recipient gives up. */
    static final int MAX_UNANSWERED = 15;
    /**
     * {@code pm pay} keeps the EV outstanding toward one recipient (sent under params whose winners are not settled
     * yet) within deposit / this. A recipient refuses tickets once a sender's deposit is below 3 × its pending
     * winners; with 5 the sender's own burst crosses that only by a 3σ run of luck. The rest waits for settlement.
     */
    static final int OUTSTANDING_SHARE = 5;

    /** No params came after a request, or the outstanding EV was at its cap: try again while something is owed. */
    record ParamsRetry(NodeId recipient) implements TimerKey {
    }

    private final NodeId me;
    private final PmPolicy policy;
    private final Clock clock;
    private final Scheduler scheduler;
    private final EnvelopeSigner signer;
    private final LedgeredSigner recorded;
    private final Outbox outbox;
    private final Topics topics;
    private final BiFunction<EntryKind, ObjectNode, LedgerEntry> append;
    private final NodeJournal journal;
    private final PmView view;
    private final Sender sender;
    private final PmBook book;
    private final Map<NodeId, Long> lastRequestTo = new HashMap<>();

    PmPaying(NodeId me, PmPolicy policy, Clock clock, Scheduler scheduler, EnvelopeSigner signer, LedgeredSigner recorded,
             Outbox outbox,
             Topics topics, BiFunction<EntryKind, ObjectNode, LedgerEntry> append, NodeJournal journal, PmView view,
             Sender sender, PmBook book) {
        this.me = me;
        this.policy = policy;
        this.clock = clock;
        this.scheduler = scheduler;
        this.signer = signer;
        this.recorded = recorded;
        this.outbox = outbox;
        this.topics = topics;
        this.append = append;
        this.journal = journal;
        this.view = view;
        this.sender = sender;
        this.book = book;
    }

    /** A retry timer fired: pay on if something is still owed. */
    void retry(NodeId to) {
        if (book.paying(to).owed.scaled().signum() > 0) {
            payOwed(to);
        }
    }

    void takeParams(NodeId from, ParamsOffer offer) {
        Optional<PmRefusal> no = sender.accept(from, offer, view.ownAccount(), clock.millis());
        PmBook.Paying p = book.paying(from);
        if (no.isPresent()) {
            journal.rejected(no.get().code().code(), no.get().detail());
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

    /** The operator asks to pay {@code to} EV worth {@code units}: owed until paid with tickets. */
    void pay(NodeId to, long units) {
        if (to.equals(me)) {
            throw new ControlCommands.Refused("a member does not pay itself");
        }
        Account own = view.ownAccount();
        if (own.deposit().signum() == 0 || own.reserve().signum() == 0) {
            throw new ControlCommands.Refused("no funds: deposit " + own.deposit() + ", reserve " + own.reserve()
                    + " (quorumd pm fund --deposit N --reserve N first)");
        }
        if (own.unlocking()) {
            throw new ControlCommands.Refused("this node's funds are unlocking (withdrawable at " + own.withdrawAt()
                    + "): recipients refuse its tickets; quorumd pm cancel-unlock first");
        }
        PmBook.Paying p = book.paying(to);
        p.unanswered = 0;
        p.owed = p.owed.plus(Ev.units(units));
        p.lastError = "";
        record(to, p);
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
                long next = p.outstanding.isEmpty() ? now + NodePayments.SWEEP_EVERY.toMillis() : p.outstanding.firstKey();
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
            recorded.signRecorded(MessageType.PM_TICKET, new PmTicket(view.epoch(), batch.get()), topics.pmTo(to));
            sent(batch.get());
        }
    }

    /** Gives up what is still owed to {@code to}, with the reason the operator sees. */
    private void stop(NodeId to, PmBook.Paying p, String reason) {
        p.unanswered = 0;
        if (p.owed.scaled().signum() == 0) {
            return;
        }
        p.lastError = reason;
        p.owed = Ev.ZERO;
        record(to, p);
        LOG.atWarn().addKeyValue("to", view.label(to)).addKeyValue("reason", reason).log("pm: payment stopped");
    }

    /** A {@code paying} entry: what is owed to {@code to} now, and why paying stopped if it did. */
    private void record(NodeId to, PmBook.Paying p) {
        ObjectNode d = Json.object();
        d.put("to", to.hex());
        d.put("owed", p.owed.scaled().toString());
        if (!p.lastError.isEmpty()) {
            d.put("stopped", p.lastError);
        }
        append.apply(EntryKind.PAYING, d);
    }

    /** Replay of a {@code paying} entry. */
    Optional<String> replayPaying(ObjectNode d) {
        try {
            PmBook.Paying p = book.paying(new NodeId(d.path("to").asText()));
            p.owed = new Ev(new BigInteger(d.path("owed").asText()));
            p.lastError = d.path("stopped").asText("");
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of("paying entry: " + e.getMessage());
        }
    }

    /** At start: what a run before this one still owed goes out now. */
    void resume() {
        for (var e : book.payments().entrySet()) {
            if (e.getValue().owed.scaled().signum() > 0) {
                payOwed(e.getKey());
            }
        }
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

    /** Replay of an own {@code signed} ticket batch: its params are never taken again; the totals as when it went. */
    void replaySent(TicketBatch batch) {
        sender.rememberUsed(batch.params().recipientRandHash(), batch.params().expiresAt());
        sent(batch);
    }

    /** A batch went out (now, or before a restart): the totals sent, the EV outstanding and owed, the last expiry. */
    private void sent(TicketBatch batch) {
        TicketParams params = batch.params();
        int count = batch.tickets().size();
        Ev ev = params.ev().times(count);
        book.sent(params.recipient(), count, ev, settledBy(params.expiresAt()));
        book.paidUnder(params.expiresAt());
        PmBook.Paying p = book.paying(params.recipient());
        p.owed = ev.compareTo(p.owed) >= 0 ? Ev.ZERO : new Ev(p.owed.scaled().subtract(ev.scaled()));
    }
}
