package io.quorumd.order;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Json;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderBatch;
import io.quorumd.wire.OrderFetch;
import io.quorumd.wire.OrderNewView;
import io.quorumd.wire.OrderPreprepare;
import io.quorumd.wire.OrderRequest;
import io.quorumd.wire.OrderViewChange;
import io.quorumd.wire.OrderVote;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Messages a byzantine replica or client of an {@link OrderSim} signs and hands straight to one replica, the
 * scenarios that set them up, and the check that a message was refused without effect.
 */
final class HostileMoves {
    private HostileMoves() {
    }

    /** Defaults (viewTimeout 10 s, ttl 1 h) but for the view timer's cap, the clock skew and the retransmit tick. */
    static OrderParams params(Duration viewTimeoutMax, Duration clockSkew, Duration retransmitEvery) {
        return new OrderParams(8, 4, Duration.ofSeconds(10), viewTimeoutMax, 64, Duration.ofMillis(50), clockSkew,
                Duration.ofHours(1), retransmitEvery);
    }

    /** Delivers {@code env} and checks it was refused for {@code reason}, publishing and moving nothing. */
    static void refusedQuietly(OrderSim.Node r, Envelope env, String reason) {
        int count = r.journal.refused(reason);
        int sent = r.sent.size();
        long view = r.replica.view();
        long executed = r.replica.lastExecuted();
        r.replica.onMessage(env);
        assertEquals(count + 1, r.journal.refused(reason), env.type().wireName() + " not refused as " + reason);
        assertEquals(sent, r.sent.size(), env.type().wireName() + " refused as " + reason + " made it publish");
        assertEquals(view, r.replica.view());
        assertEquals(executed, r.replica.lastExecuted());
    }

    /** The state digest every replica of the sim starts from (stable seq 0). */
    static String genesis(OrderSim sim) {
        return sim.node(0).state.digest();
    }

    static Envelope claim(OrderSim sim, int from, long view, long stableSeq, List<OrderViewChange.Prepared> prepared) {
        return sim.resign(sim.node(from), MessageType.ORDER_VIEWCHANGE,
                new OrderViewChange(0, view, new OrderViewChange.Stable(stableSeq, genesis(sim)), prepared));
    }

    static Envelope newView(OrderSim sim, int from, long view, List<Envelope> claims, List<Long> nulls) {
        return sim.resign(sim.node(from), MessageType.ORDER_NEWVIEW,
                new OrderNewView(0, view, claims, Optional.empty(), List.of(), nulls));
    }

    static Envelope vote(OrderSim sim, int from, MessageType type, long view, long seq, String digest) {
        return sim.resign(sim.node(from), type, new OrderVote(0, view, seq, digest));
    }

    static Envelope fetch(OrderSim sim, int from, long seq, String digest) {
        return sim.resign(sim.node(from), MessageType.ORDER_FETCH, new OrderFetch(0, seq, digest));
    }

    /** A request of client 0 dated {@code requestedAt}. */
    static Envelope request(OrderSim sim, long requestedAt, int n) {
        ObjectNode args = Json.object();
        args.put("note", "hostile " + n);
        return new EnvelopeSigner(sim.clients.get(0), sim.world.clock()).sign(MessageType.ORDER_REQUEST,
                new OrderRequest(0, RosterOp.NOOP, args, requestedAt));
    }

    /** Makes {@code receiver} join a change to view 1: f + 1 = 2 valid claims from two other replicas. */
    static void joinViewOne(OrderSim sim, int receiver) {
        for (int i = 0, sent = 0; sent < 2; i++) {
            if (i != receiver && i != 1) {
                sim.node(receiver).replica.onMessage(claim(sim, i, 1, 0, List.of()));
                sent++;
            }
        }
    }

    /**
     * Takes every replica to view 1 without executing anything, so the next view timer runs twice as long:
     * the primary of view 0 equivocates two prepares at seq 1, the backups change view and the others join.
     */
    static void equivocateIntoViewOne(OrderSim sim) {
        Envelope a = vote(sim, 0, MessageType.ORDER_PREPARE, 0, 1, "aa".repeat(32));
        Envelope b = vote(sim, 0, MessageType.ORDER_PREPARE, 0, 1, "bb".repeat(32));
        for (int i = 1; i < sim.nodes.size(); i++) {
            sim.node(i).replica.onMessage(a);
            sim.node(i).replica.onMessage(b);
        }
        boolean entered = sim.runUntil(Duration.ofSeconds(5), () -> sim.nodes.stream()
                .allMatch(x -> x.replica.view() == 1 && !x.replica.changingView()));
        if (!entered) {
            throw new AssertionError("the replicas did not enter view 1");
        }
    }

    /**
     * Makes node 0, the primary of view 0, stamp its view-0 batches {@code aheadMs} later than it signed them
     * (re-signing its pre-prepares and prepares to match), as a primary whose clock runs ahead within the skew.
     */
    static void aheadPrimaryPreparesSeqOne(OrderSim sim, long aheadMs) {
        OrderSim.Node primary = sim.node(0);
        primary.tamper = (from, to, topic, env) -> {
            if (env.body() instanceof OrderPreprepare pp && pp.view() == 0) {
                return List.of(sim.resign(from, MessageType.ORDER_PREPREPARE,
                        OrderPreprepare.of(0, new OrderBatch(0, pp.seq(), pp.ts() + aheadMs, pp.items()))));
            }
            if (env.type() == MessageType.ORDER_PREPARE && OrderSim.vote(env).view() == 0) {
                long seq = OrderSim.vote(env).seq();
                OrderPreprepare pp = (OrderPreprepare) primary.signed("order/preprepare/0/0/" + seq).orElseThrow().body();
                String ahead = new OrderBatch(0, seq, pp.ts() + aheadMs, pp.items()).digest();
                return List.of(sim.resign(from, MessageType.ORDER_PREPARE, new OrderVote(0, 0, seq, ahead)));
            }
            return List.of(env);
        };
    }
}
