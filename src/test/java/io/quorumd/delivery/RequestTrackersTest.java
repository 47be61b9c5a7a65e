package io.quorumd.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.config.QuorumdConfig.ResponderSection;
import io.quorumd.crypto.NodeKey;
import io.quorumd.delivery.RequestTrackers.RequestState;
import io.quorumd.loop.InboundMessage;
import io.quorumd.order.FederationState;
import io.quorumd.sim.VirtualClock;
import io.quorumd.sim.VirtualScheduler;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Json;
import io.quorumd.wire.Member;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderRequest;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import io.quorumd.wire.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The request trackers' rules in isolation, on a responder with ticks of 30 s, retryAfterMissed 2 and a budget
 * of 2 re-publications a tick: what counts as a missed confirmation, the backoff, the shared budget, and how a
 * tracker ends.
 */
class RequestTrackersTest {
    private static final Topics TOPICS = new Topics("q/t");
    private static final ResponderSection SETTINGS = new ResponderSection(true, Duration.ofSeconds(30), 2, 0,
            Duration.ofDays(7), Duration.ofMinutes(30), 2, Duration.ofSeconds(2));
    private static final NodeKey ME = key(1);
    private static final long TTL = Duration.ofMinutes(10).toMillis();

    private final VirtualClock clock = new VirtualClock(1_800_000_000_000L);
    private final VirtualScheduler scheduler = new VirtualScheduler(clock);
    private final List<Envelope> sent = new ArrayList<>();
    private final List<String> tracked = new ArrayList<>();
    private final List<String> ended = new ArrayList<>();
    private final Responder responder;
    private final RequestTrackers requests;
    private int seq;

    RequestTrackersTest() {
        DeliveryJournal journal = DeliveryFixtures.journal(t -> tracked.add(t.id() + " until " + t.deadline()),
                (id, reason, copies) -> ended.add(id + " " + reason));
        Roster roster = new Roster(List.of(new Member("node-1", ME.publicKey(), Set.of(Role.VOTER))));
        responder = new Responder(ME.nodeId(), SETTINGS, () -> roster, clock, scheduler, new EnvelopeSigner(ME, clock),
                TOPICS, (topic, env, retained) -> {
                    assertEquals(TOPICS.orderPropose(), topic);
                    assertTrue(!retained, "requests are never retained");
                    sent.add(env);
                }, journal, new Random(7));
        requests = responder.requests();
        scheduler.deliverTo(t -> responder.onTimer(t.key()));
        responder.start();
    }

    private static NodeKey key(int b) {
        byte[] s = new byte[32];
        s[0] = (byte) b;
        return NodeKey.fromSeed(s);
    }

    /** A request this node signs and submits now; its envelope. */
    private Envelope submit(String op) {
        Envelope req = new EnvelopeSigner(ME, clock).sign(MessageType.ORDER_REQUEST,
                new OrderRequest(0, op, Json.object(), clock.millis()));
        requests.submitted(req, TOPICS.orderPropose(), clock.millis() + TTL);
        return req;
    }

    private void batchWithout() {
        requests.executed(++seq, List.of(new FederationState.Result("other", ME.nodeId(), "noop", true, "")));
    }

    private TrackerState state(Envelope req) {
        return requests.requestState(req.contentId()).map(RequestState::state).orElseThrow();
    }

    @Test
    void batchesWithoutTheRequestAndViewChangesAreMissedConfirmationsWithBackoff() {
        Envelope req = submit("noop");
        assertEquals(List.of("request:" + req.contentId() + " until " + (clock.millis() + TTL)), tracked);
        batchWithout();
        assertEquals(0, sent.size(), "one miss of two");
        requests.viewEntered();
        assertEquals(1, sent.size(), "a batch without it and a view change: two misses");
        assertSame(req, sent.get(0), "the same envelope, never re-signed");
        for (int i = 0; i < 3; i++) {
            batchWithout();
        }
        assertEquals(1, sent.size(), "level 1 waits for 4 misses (2 × 2¹)");
        batchWithout();
        assertEquals(2, sent.size());
        assertEquals(TrackerState.PENDING, state(req));
        assertEquals(2, responder.find("request:" + req.contentId()).orElseThrow().level());
    }

    @Test
    void aTickWithoutAnyBatchIsAMissButNotATickDuringWhichOneExecuted() {
        Envelope req = submit("noop");
        batchWithout(); // miss 1
        scheduler.advance(SETTINGS.tick());
        assertEquals(0, sent.size(), "a batch executed during this tick: no miss for the tick");
        scheduler.advance(SETTINGS.tick());
        assertEquals(1, sent.size(), "a tick with no batch at all: miss 2");
        assertSame(req, sent.get(0));
    }

    @Test
    void executionEndsTheTrackerWithItsResult() {
        Envelope ok = submit("noop");
        Envelope refused = submit("pm.withdraw");
        requests.executed(7, List.of(new FederationState.Result(ok.contentId(), ME.nodeId(), "noop", true, ""),
                new FederationState.Result(refused.contentId(), ME.nodeId(), "pm.withdraw", false, "no_funds: nothing to withdraw")));
        assertEquals(new RequestState(ok.contentId(), TrackerState.DONE, "committed at seq 7"),
                requests.requestState(ok.contentId()).orElseThrow());
        assertEquals(new RequestState(refused.contentId(), TrackerState.DONE, "refused: no_funds: nothing to withdraw"),
                requests.requestState(refused.contentId()).orElseThrow());
        assertEquals(List.of("request:" + ok.contentId() + " committed at seq 7",
                "request:" + refused.contentId() + " refused: no_funds: nothing to withdraw"), ended);
        assertEquals(0, responder.pending());
        assertEquals(Optional.empty(), requests.requestState("unknown"));
    }

    @Test
    void aRequestExpiresAtTheFirstTickFromItsDeadline() {
        Envelope req = submit("noop");
        long deadline = clock.millis() + TTL;
        while (clock.millis() + SETTINGS.tick().toMillis() < deadline) {
            scheduler.advance(SETTINGS.tick());
            assertEquals(TrackerState.PENDING, state(req), "still pushed at " + clock.millis());
        }
        scheduler.advance(SETTINGS.tick());
        assertEquals(TrackerState.EXPIRED, state(req));
        assertEquals(List.of("request:" + req.contentId() + " expired"), ended);
        int before = sent.size();
        scheduler.advance(SETTINGS.tick().multipliedBy(100));
        assertEquals(before, sent.size(), "nothing goes out after the end");
    }

    @Test
    void republicationsShareTheTickBudgetOldestFirst() {
        List<Envelope> reqs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            reqs.add(submit("noop-" + i));
        }
        batchWithout();
        requests.viewEntered();
        assertEquals(reqs.subList(0, 2), sent, "2 a tick, the oldest first");
        scheduler.advance(SETTINGS.tick());
        assertEquals(reqs.subList(0, 4), sent, "the rest stay due for the next ticks");
        scheduler.advance(SETTINGS.tick());
        assertEquals(reqs, sent);
    }

    @Test
    void restoredTrackerGoesOutAtTheEndOfBootGraceAndTheOperatorCanDropIt() {
        Envelope req = new EnvelopeSigner(ME, clock).sign(MessageType.ORDER_REQUEST,
                new OrderRequest(0, "noop", Json.object(), clock.millis()));
        String id = "request:" + req.contentId();
        requests.restore(id, TOPICS.orderPropose(), req, clock.millis(), clock.millis() + TTL);
        assertEquals(TrackerState.PENDING, state(req));
        responder.bootGraceOver();
        assertEquals(List.of(req), sent);
        Tracker t = responder.find(req.contentId().substring(0, 12)).orElseThrow();
        assertEquals(id, t.id(), "found by a part of its id, as the CLI asks");
        responder.drop(t, "given up");
        assertEquals(new RequestState(req.contentId(), TrackerState.DROPPED, "dropped: given up"),
                requests.requestState(req.contentId()).orElseThrow());
        responder.restoreEnd(id, "dropped: given up"); // replay of the same untrack: no change
        assertEquals(List.of(id + " dropped: given up"), ended);
    }
}
