package io.quorumd.order;

import io.quorumd.loop.TimerKey;
import io.quorumd.wire.Body;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderCheckpoint;
import io.quorumd.wire.OrderCommitted;
import io.quorumd.wire.OrderEndorse;
import io.quorumd.wire.OrderFetch;
import io.quorumd.wire.OrderNewView;
import io.quorumd.wire.OrderPreprepare;
import io.quorumd.wire.OrderRequest;
import io.quorumd.wire.OrderViewChange;
import io.quorumd.wire.OrderViewProof;
import io.quorumd.wire.OrderVote;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/** Which epoch an ordering message or timer belongs to, and which messages still count once their epoch closed. */
public final class OrderMessages {
    private OrderMessages() {
    }

    private static final Set<MessageType> AFTER_CLOSE = EnumSet.of(MessageType.ORDER_CHECKPOINT, MessageType.ORDER_FETCH,
            MessageType.ORDER_COMMITTED, MessageType.ORDER_PREPARE, MessageType.ORDER_COMMIT);

    /** Whether a message of this type still counts for an epoch that closed (it finishes the closing seq). */
    public static boolean finishesClosedEpoch(MessageType type) {
        return AFTER_CLOSE.contains(type);
    }

    /** The epoch an ordering message is for; empty for other messages. */
    public static Optional<Long> epochOf(Envelope env) {
        if (env.body() instanceof OrderRequest r) {
            return Optional.of(r.epoch());
        } else if (env.body() instanceof OrderEndorse e) {
            return Optional.of(e.epoch());
        }
        long e = epochOf(env.body());
        return e < 0 ? Optional.empty() : Optional.of(e);
    }

    /** The epoch a replica's timer belongs to; empty for other timers. */
    public static Optional<Long> epochOf(TimerKey key) {
        if (key instanceof Replica.ViewTimer t) {
            return Optional.of(t.epoch());
        } else if (key instanceof Replica.BatchDue b) {
            return Optional.of(b.epoch());
        } else if (key instanceof Replica.Retransmit r) {
            return Optional.of(r.epoch());
        }
        return Optional.empty();
    }

    static long epochOf(Body b) {
        if (b instanceof OrderPreprepare x) {
            return x.epoch();
        } else if (b instanceof OrderVote x) {
            return x.epoch();
        } else if (b instanceof OrderCheckpoint x) {
            return x.epoch();
        } else if (b instanceof OrderViewChange x) {
            return x.epoch();
        } else if (b instanceof OrderViewProof x) {
            return x.epoch();
        } else if (b instanceof OrderNewView x) {
            return x.epoch();
        } else if (b instanceof OrderFetch x) {
            return x.epoch();
        } else if (b instanceof OrderCommitted x) {
            return x.epoch();
        }
        return -1;
    }
}
