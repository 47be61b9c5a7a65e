package io.quorumd.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.NodeId;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.LedgerEntry;
import io.quorumd.loop.Scheduler;
import io.quorumd.order.FederationState;
import io.quorumd.pm.PmOp;
import io.quorumd.pm.Recipient;
import io.quorumd.pm.Winner;
import io.quorumd.pm.WinnerState;
import io.quorumd.wire.Json;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A recipient's winners on their way to payment (DESIGN §14): once a winner's params expired (plus the clock skew,
 * so the ordered ts is past them too) it is claimed with a {@code pm.redeem} through ordering, and the executed
 * result settles or refuses it. A claim whose request can no longer execute (older than requestTtl) is made again
 * while the claim window is open; a winner still pending when the window closes is EXPIRED. Each step is a
 * {@code ticket} entry. Loop thread only.
 */
final class PmClaims {
    private static final Logger LOG = LoggerFactory.getLogger(PmClaims.class);
    /**
     * How long after paramsExpiresAt a winner is claimed. A replica whose clock is behind keeps the claim pending
     * ({@code not_yet}) until its batch ts passes paramsExpiresAt, so waiting for the whole clock skew buys nothing.
     */
    static final long CLAIM_DELAY_MS = 1000;
    /** The claim timer that is not an expiry: room was made for more claims. */
    private static final long MORE = -1;
    /** Claims in flight at once: half of what a member may have pending, leaving room for the operator's requests. */
    static final int MAX_IN_FLIGHT = io.quorumd.order.OrderParams.MAX_PENDING_PER_MEMBER / 2;

    /** A winner's params expired: claim it (and every other winner of that expiry). */
    record ClaimDue(long expiresAt) implements io.quorumd.loop.TimerKey {
    }

    private final NodeId me;
    private final Recipient recipient;
    private final PmBook book;
    private final PmView view;
    private final Clock clock;
    private final Scheduler scheduler;
    private final BiFunction<EntryKind, ObjectNode, LedgerEntry> append;
    private final long skewMs;
    private final long requestTtlMs;
    private final Map<Long, Boolean> claimTimers = new HashMap<>();

    PmClaims(NodeId me, Recipient recipient, PmBook book, PmView view, Clock clock,
             Scheduler scheduler, BiFunction<EntryKind, ObjectNode, LedgerEntry> append, long skewMs, long requestTtlMs) {
        this.me = me;
        this.recipient = recipient;
        this.book = book;
        this.view = view;
        this.clock = clock;
        this.scheduler = scheduler;
        this.append = append;
        this.skewMs = skewMs;
        this.requestTtlMs = requestTtlMs;
    }

    /** At start: a claim timer for every winner replay left unclaimed. */
    void start() {
        long now = clock.millis();
        recipient.winners().stream().filter(w -> w.state() == WinnerState.WON)
                .forEach(w -> scheduleClaim(w.signed().ticket().paramsExpiresAt(), now));
    }

    void scheduleClaim(long expiresAt, long now) {
        if (claimTimers.putIfAbsent(expiresAt, Boolean.TRUE) == null) {
            scheduler.schedule(Duration.ofMillis(Math.max(0, expiresAt + CLAIM_DELAY_MS - now)), new ClaimDue(expiresAt));
        }
    }

    /** Claims every winner whose params expired and that has no live request: a {@code pm.redeem} through ordering. */
    void claimDue() {
        Optional<NodeOrdering> o = view.ordering();
        long now = clock.millis();
        long liveFor = requestTtlMs + 2 * skewMs;
        int inFlight = (int) recipient.winners().stream().filter(w -> w.state() == WinnerState.CLAIMED
                && book.claimLive(w.ticketId(), now, liveFor)).count();
        for (Winner w : recipient.winners()) {
            String id = w.ticketId();
            if (!w.state().isPending() || now <= w.signed().ticket().paramsExpiresAt() || book.claimLive(id, now, liveFor)) {
                continue;
            }
            if (o.isPresent() && inFlight >= MAX_IN_FLIGHT) {
                return; // the next executed claim makes room
            }
            if (o.isEmpty()) {
                if (book.warnedUnredeemable(id)) {
                    LOG.atWarn().addKeyValue("ticket", id.substring(0, 12)).addKeyValue("faceValue", w.signed().ticket().faceValue())
                            .log("pm: a winner cannot be redeemed: ordering is off (it needs at least 4 replicas)");
                }
                continue;
            }
            Optional<PmOp.Redeem> claim = recipient.claim(id, now);
            if (claim.isEmpty()) {
                continue;
            }
            try {
                String requestId = o.get().propose(PmOp.REDEEM, claim.get().args(), 0);
                inFlight++;
                book.claimed(id, requestId, now);
                ticketEntry(id, WinnerState.CLAIMED, requestId, null);
            } catch (ControlCommands.Refused e) {
                LOG.atWarn().addKeyValue("ticket", id.substring(0, 12)).addKeyValue("reason", e.getMessage())
                        .log("pm: claim not proposed; the next sweep tries again");
            }
        }
    }

    /** An ordered request executed: if it is one of this node's claims, its winner is settled or refused. */
    void executed(FederationState.Result r) {
        if (!r.op().equals(PmOp.REDEEM) || !r.requester().equals(me)) {
            return;
        }
        Optional<String> ticketId = claimed(r.requestId());
        if (ticketId.isEmpty()) {
            return;
        }
        recipient.settled(ticketId.get(), r.ok());
        book.ended(ticketId.get());
        if (claimTimers.putIfAbsent(MORE, Boolean.TRUE) == null) {
            scheduler.schedule(Duration.ZERO, new ClaimDue(MORE)); // room for another claim, after this execution
        }
        ticketEntry(ticketId.get(), r.ok() ? WinnerState.SETTLED : WinnerState.REFUSED, r.requestId(), r.ok() ? null : r.reason());
        if (!r.ok()) {
            LOG.atWarn().addKeyValue("ticket", ticketId.get().substring(0, 12)).addKeyValue("reason", r.reason())
                    .log("pm: redemption refused");
        }
    }

    /** The CLAIMED winner that request {@code requestId} claims, if any. */
    private Optional<String> claimed(String requestId) {
        return book.claimOf(requestId).filter(id -> recipient.winner(id).filter(w -> w.state() == WinnerState.CLAIMED)
                .isPresent());
    }

    /**
     * Replay of an executed result of this node's {@code pm.redeem} (an {@code order} entry): the winner is settled
     * or refused in memory, even when its {@code ticket} entry is missing (pm was off when it executed, or a crash
     * tore the batch); nothing is written.
     */
    void replayExecuted(String requestId, String op, boolean ok) {
        if (op.equals(PmOp.REDEEM)) {
            claimed(requestId).ifPresent(id -> {
                recipient.settled(id, ok);
                book.ended(id);
            });
        }
    }

    /** Winners past their claim window: EXPIRED (payment lost, WARN); then claims what is due again. */
    void sweep() {
        long now = clock.millis();
        for (Winner lost : recipient.expire(now)) {
            book.ended(lost.ticketId());
            ticketEntry(lost.ticketId(), WinnerState.EXPIRED, null, null);
            LOG.atWarn().addKeyValue("ticket", lost.ticketId().substring(0, 12))
                    .addKeyValue("faceValue", lost.signed().ticket().faceValue()).log("pm: winner expired unclaimed: payment lost");
        }
        claimDue();
    }

    /** A winner's params expired: claim it (and every other winner of that expiry). */
    void due(long expiresAt) {
        claimTimers.remove(expiresAt);
        claimDue();
    }

    /** A {@code ticket} entry: the winner {@code ticketId} is now in {@code state}. */
    void ticketEntry(String ticketId, WinnerState state, String requestId, String reason) {
        Winner w = recipient.winner(ticketId).orElse(null);
        ObjectNode d = Json.object();
        d.put("ticketId", ticketId);
        d.put("state", state.code());
        if (w != null) {
            d.put("sender", w.signed().ticket().sender().hex());
            d.put("faceValue", w.signed().ticket().faceValue());
            d.put("paramsExpiresAt", w.signed().ticket().paramsExpiresAt());
        }
        if (requestId != null) {
            d.put("requestId", requestId);
        }
        if (reason != null) {
            d.put("reason", reason);
        }
        append.apply(EntryKind.TICKET, d);
    }

    /** Replay of a {@code ticket} entry: the winner's state, and its open claim; a step backwards is corruption. */
    Optional<String> replayTicket(ObjectNode d, long entryTs) {
        String id = d.path("ticketId").asText();
        Optional<WinnerState> state = WinnerState.ofCode(d.path("state").asText());
        if (state.isEmpty()) {
            return Optional.of("ticket entry with state " + d.path("state").asText());
        }
        try {
            if (state.get() == WinnerState.CLAIMED) {
                recipient.restore(id, WinnerState.CLAIMED);
                book.claimed(id, d.path("requestId").asText(), entryTs);
            } else if (state.get().isFinal()) {
                recipient.restore(id, state.get());
                book.ended(id);
            }
        } catch (IllegalStateException e) {
            return Optional.of("ticket entry: " + e.getMessage());
        }
        return Optional.empty();
    }
}
