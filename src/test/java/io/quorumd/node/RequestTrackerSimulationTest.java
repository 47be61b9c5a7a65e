package io.quorumd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.delivery.RequestTrackers.RequestState;
import io.quorumd.delivery.Tracker;
import io.quorumd.delivery.TrackerState;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.LedgerEntry;
import io.quorumd.pm.PmOp;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.Json;
import io.quorumd.wire.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The responder's request trackers on five simulated nodes, node-1…node-4 replicas and node-5 a member that
 * follows ordering without taking part (so no replica holds its requests for it): a request whose publication
 * is lost goes out again — the same bytes — until a batch holding it executes, ends with its result, expires at
 * requestedAt + order.requestTtl, and survives a restart of the node that submitted it.
 */
class RequestTrackerSimulationTest {
    @TempDir
    Path dir;

    private SimFederation f;
    private SimWorld w;
    private SimNode five;

    private void start(long seed) throws Exception {
        f = SimFederation.started(seed, dir, SimFederation.Options.fast(5).withReplicas(4)
                .withYaml("responder:\n  tick: 2s\n  ackDelay: 1s\norder:\n  requestTtl: 2m\n"), 20);
        w = f.world();
        five = f.node(5);
        assertTrue(f.awaitCaughtUp(Duration.ofSeconds(30)), "caught up, seed " + w.seed());
    }

    /** Drops every delivery of node-5's requests while {@code cut} holds. */
    private AtomicBoolean cutRequestsOf5() {
        AtomicBoolean cut = new AtomicBoolean(true);
        f.bus().partition((r, e) -> cut.get() && e.type() == MessageType.ORDER_REQUEST && e.from().equals(five.id()));
        return cut;
    }

    /**
     * node-2 submits a noop every 400 ms while {@code busy} holds: ordering never stands still for a whole
     * retransmit tick, so the replicas' own retransmission of a follower's pending requests stays quiet and only
     * the request tracker sends again what the replicas missed.
     */
    private void keepOrderingBusy(AtomicBoolean busy) {
        w.after(400, () -> {
            if (busy.get()) {
                propose(f.node(2), "noop", Json.object());
                keepOrderingBusy(busy);
            }
        });
    }

    private String propose(SimNode by, String op, com.fasterxml.jackson.databind.node.ObjectNode args) {
        return by.control(c -> c.ordering().orElseThrow().propose(op, args, 0));
    }

    private Optional<RequestState> state(SimNode n, String requestId) {
        return n.core().responder().orElseThrow().requests().requestState(requestId);
    }

    private boolean executedOnReplicas(String requestId) {
        return f.nodes().stream().limit(4).allMatch(n -> n.core().ordering().orElseThrow().log(0).stream()
                .anyMatch(l -> l.path("requestId").asText().equals(requestId)));
    }

    private List<Envelope> publishedRequests(SimNode n, String requestId) {
        return n.published().stream().filter(e -> e.type() == MessageType.ORDER_REQUEST && e.contentId().equals(requestId))
                .toList();
    }

    private static List<LedgerEntry> trackerEntries(SimNode n, String trackerId) throws Exception {
        return KeyRotationTest.entries(n).stream()
                .filter(e -> e.kind() == EntryKind.TRACK || e.kind() == EntryKind.UNTRACK)
                .filter(e -> e.data().path("decisionId").asText().equals(trackerId)).toList();
    }

    @Test
    void lostPublicationIsRepublishedWithTheSameBytesAndCommits() throws Exception {
        start(31);
        keepOrderingBusy(new AtomicBoolean(true));
        AtomicBoolean cut = cutRequestsOf5();
        String id = propose(five, "noop", Json.object());
        cut.set(false);
        assertEquals(Optional.of(TrackerState.PENDING), state(five, id).map(RequestState::state));
        assertTrue(w.runUntil(Duration.ofSeconds(60), () -> executedOnReplicas(id)
                && state(five, id).map(s -> !s.open()).orElse(false)), "executed and ended, seed " + w.seed());
        List<Envelope> sent = publishedRequests(five, id);
        assertTrue(sent.size() >= 2, "published again: " + sent.size());
        for (Envelope e : sent) {
            assertTrue(Arrays.equals(sent.get(0).encode(), e.encode()), "the same bytes, never re-signed");
        }
        RequestState end = state(five, id).orElseThrow();
        assertEquals(TrackerState.DONE, end.state());
        assertTrue(end.endReason().matches("committed at seq \\d+"), end.endReason());

        List<LedgerEntry> entries = trackerEntries(five, "request:" + id);
        assertEquals(2, entries.size(), "one track and one untrack entry");
        assertEquals(EntryKind.TRACK, entries.get(0).kind());
        assertEquals("request", entries.get(0).data().path("kind").asText());
        assertEquals(f.node(5).topics().orderPropose(), entries.get(0).data().path("topic").asText());
        long requestedAt = ((io.quorumd.wire.OrderRequest) sent.get(0).body()).requestedAt();
        assertEquals(requestedAt + Duration.ofMinutes(2).toMillis(), entries.get(0).data().path("deadline").asLong());
        assertEquals(end.endReason(), entries.get(1).data().path("reason").asText());
    }

    @Test
    void refusedRequestEndsWithTheReason() throws Exception {
        start(32);
        String id = propose(five, new PmOp.Withdraw().op(), new PmOp.Withdraw().args());
        assertTrue(w.runUntil(Duration.ofSeconds(60), () -> state(five, id).map(s -> !s.open()).orElse(false)),
                "ended, seed " + w.seed());
        RequestState end = state(five, id).orElseThrow();
        assertEquals(TrackerState.DONE, end.state());
        assertEquals("refused: no_funds: nothing to withdraw", end.endReason());
        Tracker t = five.core().responder().orElseThrow().find("request:" + id).orElseThrow();
        assertEquals(0, t.timesSent(), "executed at once: never re-published");
    }

    @Test
    void requestNoReplicaHearsExpiresAtItsDeadline() throws Exception {
        start(33);
        cutRequestsOf5();
        String id = propose(five, "noop", Json.object());
        Tracker t = five.core().responder().orElseThrow().find("request:" + id).orElseThrow();
        long deadline = t.deadline();
        assertTrue(w.runUntil(Duration.ofMinutes(3), () -> !t.state().open()), "ended, seed " + w.seed());
        assertTrue(w.now() >= deadline, "not before its deadline");
        assertTrue(w.now() < deadline + Duration.ofSeconds(3).toMillis(), "at the first tick after it");
        assertEquals(TrackerState.EXPIRED, t.state());
        assertTrue(t.timesSent() >= 2, "pushed meanwhile: " + t.timesSent());
        assertTrue(t.timesSent() < 30, "with backoff: " + t.timesSent());
        List<LedgerEntry> entries = trackerEntries(five, "request:" + id);
        assertEquals(EntryKind.UNTRACK, entries.get(entries.size() - 1).kind());
        assertEquals("expired", entries.get(entries.size() - 1).data().path("reason").asText());
        assertFalse(executedOnReplicas(id));
    }

    @Test
    void restartRestoresAnOpenRequestTrackerAndEndsItWhenExecuted() throws Exception {
        start(34);
        AtomicBoolean cut = cutRequestsOf5();
        String id = propose(five, "noop", Json.object());
        five.crash();
        cut.set(false);
        five.start();
        Tracker restored = five.core().responder().orElseThrow().find("request:" + id).orElseThrow();
        assertEquals(TrackerState.PENDING, restored.state(), "restored from its track entry");
        assertTrue(restored.deadline() > w.now(), "with its deadline");
        assertTrue(w.runUntil(Duration.ofSeconds(60), () -> executedOnReplicas(id) && !restored.state().open()),
                "re-published after the restart and executed, seed " + w.seed());
        assertTrue(restored.endReason().startsWith("committed at seq "), restored.endReason());
        List<LedgerEntry> entries = trackerEntries(five, "request:" + id);
        assertEquals(List.of(EntryKind.TRACK, EntryKind.UNTRACK), entries.stream().map(LedgerEntry::kind).toList());

        five.stop();
        five.start();
        assertEquals(restored.endReason(), state(five, id).orElseThrow().endReason(), "ended again on replay");
        assertFalse(state(five, id).orElseThrow().open());
    }

    /**
     * The primary never hears node-5's request and the first publication reaches nobody: the request reaches the
     * other replicas only by going out again, they hold it pending until their view timer replaces the primary.
     * (Ordering stands still here, so the follower's own retransmission sends it too; under steady load only the
     * tracker does, see the first test.)
     */
    @Test
    void censoringPrimaryIsLeftBehindByAViewChange() throws Exception {
        start(35);
        io.quorumd.crypto.NodeId primaryId = f.node(1).core().ordering().orElseThrow().federation().current()
                .replicaSet().primary(0);
        SimNode primary = f.nodes().stream().filter(n -> n.id().equals(primaryId)).findFirst().orElseThrow();
        AtomicBoolean first = new AtomicBoolean(true);
        f.bus().partition((r, e) -> e.type() == MessageType.ORDER_REQUEST && e.from().equals(five.id())
                && (first.get() || r == primary));
        String id = propose(five, "noop", Json.object());
        first.set(false);
        assertTrue(w.runUntil(Duration.ofMinutes(1), () -> executedOnReplicas(id) && state(five, id)
                .map(s -> !s.open()).orElse(false)), "executed despite the primary, seed " + w.seed());
        assertTrue(publishedRequests(five, id).size() >= 2, "the lost publication went out again");
        assertTrue(f.node(2).core().ordering().orElseThrow().federation().current().view() > 0,
                "a view change left the primary behind");
    }

    @Test
    void aPrimaryThatOrdersEverythingElseButLeavesOneRequestOutIsReplaced() throws Exception {
        start(36);
        io.quorumd.crypto.NodeId primaryId = f.node(1).core().ordering().orElseThrow().federation().current()
                .replicaSet().primary(0);
        SimNode primary = f.nodes().stream().filter(n -> n.id().equals(primaryId)).findFirst().orElseThrow();
        keepOrderingBusy(new AtomicBoolean(true));
        f.bus().partition((r, e) -> e.type() == MessageType.ORDER_REQUEST && e.from().equals(five.id()) && r == primary);
        String id = propose(five, "noop", Json.object());
        assertTrue(w.runUntil(Duration.ofMinutes(1), () -> executedOnReplicas(id)),
                "executed though the primary kept ordering node-2's requests without it, seed " + w.seed());
        assertTrue(f.node(2).core().ordering().orElseThrow().federation().current().view() > 0,
                "the view timer waited for that request, not for any progress");
    }
}
