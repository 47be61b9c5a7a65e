package io.quorumd.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.LedgerEntry;
import io.quorumd.ledger.LedgeredSigner;
import io.quorumd.loop.InboundMessage;
import io.quorumd.loop.Outbox;
import io.quorumd.loop.Scheduler;
import io.quorumd.loop.TimerKey;
import io.quorumd.order.FederationState;
import io.quorumd.pm.Checked;
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
import io.quorumd.pm.WinnerState;
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

/**
 * Micropayment tickets in a running node (DESIGN §14): answers params requests, takes params and pays with them,
 * judges ticket batches, and redeems its winners through ordering once their params expired. Ledger entries: each
 * own {@code pm.ticket} is a {@code signed} entry before it leaves (no slot: one entry per message; params are
 * not recorded, rand recomputes from what a ticket carries); the accepted tickets of each batch a {@code tickets} entry {topic, sender, batch} (only those, each with
 * its own signature), so replay rebuilds the nonce map and the credited EV exactly; each winner's step a {@code ticket} entry
 * {ticketId, state, sender, faceValue, paramsExpiresAt, requestId?, reason?}. rand appears in no entry: a claim's
 * {@code pm.redeem} is made only after expiry and is stored as the order entry of its batch.
 * <p>
 * Caps: params answered at most once a second per sender; the amount owed per recipient is the operator's; winners
 * and nonces are pruned by the core. Without ordering there are no accounts: tickets are exchanged unbacked, EV is
 * counted, winners cannot be redeemed. Loop thread only.
 */
final class NodePayments {
    static final Duration SWEEP_EVERY = Duration.ofSeconds(30);
    /**
     * Params requests answered per sender: one a second on average, up to {@value #PARAMS_BURST} back to back. An
     * honest sender asks at most once a second by its own clock, but requests reach this node through its busy
     * inbound queue (ticket batches, fsyncs): on the lab two of them arrived under 500 ms apart.
     */
    static final int PARAMS_BURST = 3;
    /** Periodic: prune, expire winners past their window, claim again what was not committed in time. */
    record Sweep() implements TimerKey {
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
    private final Random seeds;
    private final PmView view;
    private final Recipient recipient;
    private final Sender sender;
    private final ParamsIssuer issuer;
    private final PmBook book = new PmBook();
    private final Map<NodeId, Long> paramsDue = new HashMap<>();
    private final Map<NodeId, String> lastRequestFrom = new HashMap<>();
    private final PmClaims claims;
    private final PmPaying paying;

    NodePayments(NodeId me, NodeKey key, PmPolicy policy, long skewMs, long requestTtlMs, Clock clock, Scheduler scheduler,
                 EnvelopeSigner signer, LedgeredSigner recorded, Outbox outbox, Topics topics,
                 BiFunction<EntryKind, ObjectNode, LedgerEntry> append, NodeJournal journal, PmView view, Random seeds) {
        this.me = me;
        this.policy = policy;
        this.clock = clock;
        this.scheduler = scheduler;
        this.signer = signer;
        this.outbox = outbox;
        this.topics = topics;
        this.append = append;
        this.journal = journal;
        this.seeds = seeds;
        this.view = view;
        RandKey rand = RandKey.of(key);
        this.recipient = new Recipient(me, rand, policy, view.members(), view.floats());
        this.sender = new Sender(me, key::sign, policy);
        this.issuer = new ParamsIssuer(me, rand, policy);
        this.claims = new PmClaims(me, recipient, book, view, clock, scheduler, append, skewMs, requestTtlMs);
        this.paying = new PmPaying(me, policy, clock, scheduler, signer, recorded, outbox, topics, append, journal, view, sender, book);
    }

    static boolean owns(TimerKey key) {
        return key instanceof PmClaims.ClaimDue || key instanceof Sweep || key instanceof PmPaying.ParamsRetry;
    }

    void start() {
        claims.start();
        paying.resume();
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

    PmPaying paying() {
        return paying;
    }

    PmView view() {
        return view;
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
                    answerParamsRequest(from, env.contentId());
                } else {
                    journal.rejected(PmCode.WRONG_RECIPIENT.code(), "a params request for another member reached this node");
                }
            }
            case PM_PARAMS -> paying.takeParams(from, ((PmParams) env.body()).offer());
            case PM_TICKET -> takeTickets(m, ((PmTicket) env.body()).batch());
            default -> throw new IllegalArgumentException("not a pm message: " + env.type());
        }
    }

    private void answerParamsRequest(NodeId from, String requestId) {
        long now = clock.millis();
        if (requestId.equals(lastRequestFrom.put(from, requestId))) {
            journal.rejected("duplicate", "params request " + requestId + " from " + view.label(from) + " again");
            return; // the broker delivered it twice (QoS 1): answered already
        }
        long every = PmPaying.PARAMS_REQUEST_GAP_MS;
        long due = paramsDue.getOrDefault(from, now); // when this sender's next request would be on schedule
        if (due - now > (PARAMS_BURST - 1) * every) {
            journal.rejected("pm_rate_limited", "params requests from " + view.label(from) + " faster than one a second"
                    + " (after " + PARAMS_BURST + " at once)");
            return;
        }
        paramsDue.put(from, Math.max(due, now) + every);
        byte[] seed = new byte[TicketParams.SEED_BYTES];
        seeds.nextBytes(seed);
        BigInteger maxFloat = view.floats().maxFloat(from, me, recipient.pending(from), now);
        Checked<ParamsOffer> offer = issuer.issue(from, Bytes.of(seed), now, maxFloat);
        if (!offer.isOk()) {
            refused(offer.refusal());
            return;
        }
        // not a ledger entry: rand recomputes from the params a ticket carries, and a member asking once a second
        // would otherwise cost this ledger an entry a second
        outbox.publish(topics.pmTo(from), signer.sign(MessageType.PM_PARAMS, new PmParams(view.epoch(), offer.get())), false);
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
                claims.ticketEntry(v.ticketId(), WinnerState.WON, null, null);
                claims.scheduleClaim(batch.params().expiresAt(), clock.millis());
            }
        }
    }

    void refused(PmRefusal r) {
        journal.rejected(r.code().code(), r.detail());
    }

    void onTimer(TimerKey key) {
        if (key instanceof PmClaims.ClaimDue c) {
            claims.due(c.expiresAt());
        } else if (key instanceof Sweep) {
            sender.prune(clock.millis());
            claims.sweep();
            scheduler.schedule(SWEEP_EVERY, new Sweep());
        } else if (key instanceof PmPaying.ParamsRetry r) {
            paying.retry(r.recipient());
        }
    }

    /**
     * Why this node may not rotate its key now: a rotation changes its id and its pm key, so winners it holds could
     * no longer be claimed (rand derives from the key), and tickets it paid would no longer verify for their
     * recipients (they are checked against the sender's key in the roster). Empty once both have run out.
     */
    Optional<String> rotationHold() {
        long now = clock.millis();
        long pending = recipient.winners().stream().filter(w -> w.state().isPending()).count();
        if (pending > 0) {
            return Optional.of("this node holds " + pending + " winning tickets not settled yet (quorumd pm tickets):"
                    + " after a rotation they could not be claimed; rotate once they are settled or expired");
        }
        long claimable = book.lastPaidExpiresAt() + policy.claimWindowMs();
        if (book.lastPaidExpiresAt() > 0 && claimable > now) {
            return Optional.of("tickets this node paid can be claimed until " + java.time.Instant.ofEpochMilli(claimable)
                    + " (pm.claimWindow after their params expire), and a rotation would make their recipients' claims"
                    + " fail: rotate after that");
        }
        return Optional.empty();
    }

    /** An ordered request executed (see {@link PmClaims#executed}). */
    void executed(FederationState.Result r) {
        claims.executed(r);
    }

    /** Replay of an executed result of this node's request (see {@link PmClaims#replayExecuted}). */
    void replayExecuted(String requestId, String op, boolean ok) {
        claims.replayExecuted(requestId, op, ok);
    }

    Optional<String> replayTicket(ObjectNode d, long entryTs) {
        return claims.replayTicket(d, entryTs);
    }

    // ---------------------------------------------------------------- replay

    void replaySent(TicketBatch batch) {
        paying.replaySent(batch);
    }

    Optional<String> replayPaying(ObjectNode d) {
        return paying.replayPaying(d);
    }

    /** Replay of a {@code tickets} entry: the tickets taken from one batch. */
    void replayAccepted(TicketBatch taken) {
        List<Recipient.Verdict> skipped = recipient.replay(taken, clock.millis());
        book.accepted(taken.params().sender(), taken.tickets().size() - skipped.size());
    }


}
