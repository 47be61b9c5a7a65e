package io.quorumd.order;

import io.quorumd.crypto.Ed25519;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.Member;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderItem;
import io.quorumd.wire.OrderRequest;
import java.util.Optional;

/**
 * Static validity of a request, the same on every node and offline: an {@code order.request} of this epoch,
 * signed by a member of the epoch with that member's key, requested within {@code requestTtl} before the
 * batch ts and not after it (less the skew). Endorsements ({@code order.endorse}) are a later slice: an
 * item carrying any is refused.
 */
public final class RequestRules {
    private RequestRules() {
    }

    /** Why {@code request} cannot be ordered now ({@code at}: the local clock or the batch ts), if it cannot. */
    public static Optional<String> check(ReplicaSet set, Envelope request, long at, OrderParams params) {
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
        if (!Ed25519.verify(m.get().publicKey(), request.signingBytes(), request.sig())) {
            return Optional.of("request signature of " + m.get().name() + " does not verify");
        }
        if (r.requestedAt() > at + params.clockSkew().toMillis()) {
            return Optional.of("request dated after " + at);
        }
        if (at - r.requestedAt() > params.requestTtl().toMillis()) {
            return Optional.of("request older than the request ttl");
        }
        return Optional.empty();
    }

    public static Optional<String> check(ReplicaSet set, OrderItem item, long batchTs, OrderParams params) {
        if (!item.endorsements().isEmpty()) {
            return Optional.of("endorsements are not accepted yet");
        }
        return check(set, item.request(), batchTs, params);
    }
}
