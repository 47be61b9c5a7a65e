package io.quorumd.order;

import io.quorumd.crypto.Ed25519;
import io.quorumd.crypto.NodeId;
import io.quorumd.pm.PmOp;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.Member;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderEndorse;
import io.quorumd.wire.OrderItem;
import io.quorumd.wire.OrderRequest;
import io.quorumd.wire.Role;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Static validity of requests, endorsements and batches, the same on every node and offline. A request is an
 * {@code order.request} of this epoch, signed by a member of the epoch with that member's key, requested
 * within {@code requestTtl} before the batch ts and not after it (less the skew), whose op and args fit
 * {@link RosterOp} and whose proof of possession verifies. Every roster change needs endorsements:
 * ⌈2m/3⌉ of the epoch's m members, the requester counting as one and the target of a removal
 * not at all; each an {@code order.endorse} of this epoch naming the request, from a distinct member, verifying.
 * A batch holds at most one roster change, as its last item. The pm account ops of §14 ({@link PmOp}) are signed
 * by the account they act on (a redeem by the ticket's recipient), need no endorsement except a {@code pm.fund}'s
 * treasurer, never close an epoch, and a redeem is not ordered before a batch ts past its params' expiry
 * ({@link #notYet}). Every check depends only on the request, the epoch's roster and the batch ts.
 */
public final class RequestRules {
    private RequestRules() {
    }

    /** Why {@code request} cannot be ordered now ({@code at}: the local clock or the batch ts), if it cannot. */
    /** What the items of one batch may weigh, encoded (see {@link #itemBytes}). */
    public static final int MAX_BATCH_ITEM_BYTES = 32 * 1024;

    public static Optional<String> check(ReplicaSet set, Envelope request, long at, OrderParams params) {
        return check(set, request, at, params, false);
    }

    /**
     * As {@link #check(ReplicaSet, Envelope, long, OrderParams)}; {@code verified}: this replica checked this very
     * request before (same content id, so the same bytes and signatures) against this epoch, so its signature
     * and proof of possession are not verified again, only what depends on {@code at}.
     */
    static Optional<String> check(ReplicaSet set, Envelope request, long at, OrderParams params, boolean verified) {
        if (request.type() != MessageType.ORDER_REQUEST || !(request.body() instanceof OrderRequest r)) {
            return Optional.of("not an order.request");
        }
        if (r.epoch() != set.epoch()) {
            return Optional.of("request of epoch " + r.epoch() + ", not " + set.epoch());
        }
        Optional<Member> m = set.member(request.from());
        if (m.isEmpty()) {
            return Optional.of("request from " + request.from().shortHex() + ", not a member of epoch " + set.epoch());
        }
        if (!verified && !Ed25519.verify(m.get().publicKey(), request.signingBytes(), request.sig())) {
            return Optional.of("request signature of " + m.get().name() + " does not verify");
        }
        if (r.requestedAt() > at + params.clockSkew().toMillis()) {
            return Optional.of("request dated after " + at);
        }
        if (at - r.requestedAt() > params.requestTtl().toMillis()) {
            return Optional.of("request older than the request ttl");
        }
        if (PmOp.isPmOp(r.op())) {
            return pmRequest(request, r);
        }
        Optional<RosterOp> op;
        try {
            op = RosterOp.parse(r);
        } catch (DecodeException e) {
            return Optional.of(e.getMessage());
        }
        if (op.isPresent() && op.get() instanceof RosterOp.Add a && a.roles().contains(Role.REPLICA)) {
            return Optional.of("a new member joins without the replica role; give it with roster.roles once it runs");
        }
        if (verified) {
            return Optional.empty();
        }
        if (op.isPresent() && op.get() instanceof RosterOp.Add a && !RosterOp.popVerifies(r.op(), r.epoch(), a.name(),
                a.publicKey(), r.requestedAt(), a.pop())) {
            return Optional.of("proof of possession of the new key does not verify");
        }
        if (op.isPresent() && op.get() instanceof RosterOp.Rotate x && !RosterOp.popVerifies(r.op(), r.epoch(),
                m.get().name(), x.newPublicKey(), r.requestedAt(), x.pop())) {
            return Optional.of("proof of possession of the new key does not verify");
        }
        return Optional.empty();
    }

    /**
     * A pm op's args fit its schema, and it is signed by the account it acts on: the signer's own for fund, unlock,
     * cancelUnlock and withdraw (their args name no account, so no member can act on another's), the ticket's
     * recipient for a redeem.
     */
    private static Optional<String> pmRequest(Envelope request, OrderRequest r) {
        PmOp op;
        try {
            op = PmOp.parse(r.op(), r.args());
        } catch (DecodeException e) {
            return Optional.of(e.getMessage());
        }
        if (op instanceof PmOp.Redeem redeem && !redeem.signed().ticket().recipient().equals(request.from())) {
            return Optional.of("a pm.redeem must be signed by the ticket's recipient "
                    + redeem.signed().ticket().recipient().shortHex());
        }
        return Optional.empty();
    }

    /**
     * {@code not_yet}: a {@code pm.redeem} whose params have not expired at {@code batchTs} (its rand must stay secret
     * until then, and it could not be paid anyway). The primary keeps it pending until a batch ts passes the expiry;
     * a backup refuses a batch that carries one too early.
     */
    public static Optional<String> notYet(Envelope request, long batchTs) {
        long expiresAt = redeemExpiry(request);
        if (batchTs <= expiresAt) {
            return Optional.of("not_yet: a pm.redeem of params expiring at " + expiresAt + " in a batch at " + batchTs);
        }
        return Optional.empty();
    }

    /** The paramsExpiresAt of a valid {@code pm.redeem}; {@link Long#MIN_VALUE} for any other request. */
    static long redeemExpiry(Envelope request) {
        if (request.body() instanceof OrderRequest r && r.op().equals(PmOp.REDEEM)) {
            try {
                if (PmOp.parse(r.op(), r.args()) instanceof PmOp.Redeem redeem) {
                    return redeem.signed().ticket().paramsExpiresAt();
                }
            } catch (DecodeException e) {
                return Long.MIN_VALUE;
            }
        }
        return Long.MIN_VALUE;
    }

    public static Optional<String> check(ReplicaSet set, OrderItem item, long batchTs, OrderParams params) {
        return check(set, item, batchTs, params, false);
    }

    /** As {@link #check(ReplicaSet, OrderItem, long, OrderParams)}; {@code requestVerified} as for requests. */
    static Optional<String> check(ReplicaSet set, OrderItem item, long batchTs, OrderParams params,
                                  boolean requestVerified) {
        Optional<String> bad = check(set, item.request(), batchTs, params, requestVerified);
        if (bad.isEmpty()) {
            bad = notYet(item.request(), batchTs);
        }
        if (bad.isPresent()) {
            return bad;
        }
        int needed = endorsementsNeeded(set, item.request());
        if (needed == 0) {
            return item.endorsements().isEmpty() ? Optional.empty() : Optional.of("this request takes no endorsements");
        }
        Set<NodeId> seen = new HashSet<>();
        for (Envelope e : item.endorsements()) {
            Optional<String> no = endorsement(set, item.request(), e);
            if (no.isPresent()) {
                return no;
            }
            if (!seen.add(e.from())) {
                return Optional.of("two endorsements from " + set.label(e.from()));
            }
        }
        if (seen.size() < needed) {
            return Optional.of(seen.size() + " endorsements, " + needed + " needed");
        }
        return Optional.empty();
    }

    /** At most one roster change per batch, and only as its last item. */
    public static Optional<String> checkBatch(List<OrderItem> items) {
        for (int i = 0; i < items.size() - 1; i++) {
            if (closesEpoch(items.get(i).request())) {
                return Optional.of("a roster change must be the last item of its batch");
            }
        }
        int bytes = 0;
        for (OrderItem item : items) {
            bytes += itemBytes(item);
        }
        if (bytes > MAX_BATCH_ITEM_BYTES) {
            return Optional.of("items of " + bytes + " bytes, more than the " + MAX_BATCH_ITEM_BYTES
                    + " a batch may carry (its order.committed must fit a message and a sync page with its proof)");
        }
        return Optional.empty();
    }

    /**
     * The encoded size of one item: its request and endorsements as they travel. A batch carries at most
     * {@link #MAX_BATCH_ITEM_BYTES} of them, so that with its q commits (and on a sync page with its q
     * checkpoints) it stays well inside a 64 KiB message.
     */
    static int itemBytes(OrderItem item) {
        int bytes = item.request().encode().length;
        for (Envelope e : item.endorsements()) {
            bytes += e.encode().length;
        }
        return bytes;
    }

    /** Whether {@code request} (a valid one) changes the roster when it executes. */
    public static boolean closesEpoch(Envelope request) {
        return request.body() instanceof OrderRequest r && RosterOp.isRosterOp(r.op());
    }

    /**
     * How many {@code order.endorse} envelopes (besides the requester's own request) the request needs:
     * 0 for a noop, otherwise ⌈2m/3⌉ less the requester unless it is the removal's target. A rotation needs
     * them too: it closes the epoch, and one member able to close epochs at will could drop everyone's pending
     * requests (its own removal among them) and pick a key that makes it primary of every new epoch.
     */
    public static int endorsementsNeeded(ReplicaSet set, Envelope request) {
        if (request.body() instanceof OrderRequest r && PmOp.isPmOp(r.op())) {
            return fundNeedsTreasurer(set, request) ? 1 : 0;
        }
        Optional<RosterOp> op = parsed(request);
        if (op.isEmpty()) {
            return 0;
        }
        int needed = Quorum.q(set.roster().size());
        boolean requesterCounts = !(op.get() instanceof RosterOp.Remove rm && rm.nodeId().equals(request.from()));
        return requesterCounts ? needed - 1 : needed;
    }

    /** Why {@code endorse} does not count for {@code request}, if it does not (duplicates are the caller's). */
    public static Optional<String> endorsement(ReplicaSet set, Envelope request, Envelope endorse) {
        if (endorse.type() != MessageType.ORDER_ENDORSE || !(endorse.body() instanceof OrderEndorse e)) {
            return Optional.of("an endorsement must be an order.endorse");
        }
        if (e.epoch() != set.epoch() || !e.requestId().equals(request.contentId())) {
            return Optional.of("endorsement from " + set.label(endorse.from()) + " is for another epoch or request");
        }
        if (endorse.from().equals(request.from())) {
            return Optional.of("the requester counts once, without an endorsement");
        }
        if (parsed(request).orElse(null) instanceof RosterOp.Remove rm && rm.nodeId().equals(endorse.from())) {
            return Optional.of("the member to be removed cannot endorse its removal");
        }
        Optional<Member> m = set.member(endorse.from());
        if (m.isEmpty()) {
            return Optional.of("endorsement from " + endorse.from().shortHex() + ", not a member of epoch " + set.epoch());
        }
        if (fundNeedsTreasurer(set, request) && !m.get().has(Role.TREASURER)) {
            return Optional.of("a pm.fund is endorsed by a treasurer, not by " + m.get().name());
        }
        if (!Ed25519.verify(m.get().publicKey(), endorse.signingBytes(), endorse.sig())) {
            return Optional.of("endorsement of " + m.get().name() + " does not verify");
        }
        return Optional.empty();
    }

    /**
     * A {@code pm.fund} needs one endorsement by a {@code treasurer}, who attests the off-ledger money, when the
     * epoch's roster names one; a treasurer's own fund is its own attestation.
     */
    private static boolean fundNeedsTreasurer(ReplicaSet set, Envelope request) {
        if (!(request.body() instanceof OrderRequest r) || !r.op().equals(PmOp.FUND)) {
            return false;
        }
        boolean requesterIs = set.member(request.from()).map(m -> m.has(Role.TREASURER)).orElse(false);
        return !requesterIs && set.roster().members().stream().anyMatch(m -> m.has(Role.TREASURER));
    }

    private static Optional<RosterOp> parsed(Envelope request) {
        try {
            return request.body() instanceof OrderRequest r ? RosterOp.parse(r) : Optional.empty();
        } catch (DecodeException e) {
            return Optional.empty();
        }
    }
}
