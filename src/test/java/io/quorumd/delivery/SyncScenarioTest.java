package io.quorumd.delivery;

import static io.quorumd.delivery.DeliveryFixtures.open;
import static io.quorumd.delivery.DeliveryFixtures.vote;
import static io.quorumd.delivery.ResponderScenarioTest.arb;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.SyncRequest;
import io.quorumd.wire.SyncResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sync on simulated nodes: the bus delivers nothing to a node that is down (a broker session lost), so what
 * such a node holds afterwards came from a peer's pages. The responder is off here, so sync is what is tested.
 */
class SyncScenarioTest {
    @TempDir
    Path dir;

    private SimFederation fed(long seed, String yaml) throws Exception {
        return fed(dir, seed, Duration.ofSeconds(5), yaml);
    }

    /** 7 nodes, node-1..5 primary arbiters, M = 3, windows 10 m + 5 m, responder off; all caught up. */
    static SimFederation fed(Path dir, long seed, Duration skew, String yaml) throws Exception {
        SimFederation f = SimFederation.started(seed, dir, SimFederation.Options.fast(7).withArbiters(
                new SimFederation.Arbiters(5, 3, 0, Duration.ofMinutes(10), Duration.ofMinutes(5)))
                .withClockSkew(skew).withYaml("responder:\n  enabled: false\n" + yaml), 10);
        assertTrue(f.awaitCaughtUp(Duration.ofSeconds(30)));
        return f;
    }

    @Test
    void aNodeAwayLongerThanItsSessionCatchesUpBySync() throws Exception {
        SimFederation f = fed(101, "");
        SimNode away = f.node(5);
        away.crash();
        String id = open(f.node(6), "pay-1");
        f.world().run(Duration.ofSeconds(1));
        for (int a = 1; a <= 3; a++) {
            vote(f.node(a), id, Decision.SELLER);
        }
        f.world().run(Duration.ofSeconds(60)); // checkpoints of the others finalize meanwhile (--fast: every 30 s)
        long finals = f.node(1).core().checkpoints().latest().size();
        assertTrue(finals >= 6, "checkpoints of the running nodes: " + finals);
        away.start();
        f.world().run(away.config().checkpoint().bootGrace().plusSeconds(5));
        assertTrue(arb(away).dispute(id).orElseThrow().ruling().isPresent(), "the ruling came by sync");
        assertEquals(f.node(1).core().checkpoints().latest().keySet(), away.core().checkpoints().latest().keySet(),
                "every subject's latest final");
        assertTrue(away.core().sync().caughtUp());
    }

    @Test
    void aReplacedDiskNeverVotesOnOlderDisputesAndLearnsItsOwnEarlierVote() throws Exception {
        SimFederation f = fed(102, "");
        SimNode three = f.node(3);
        String id = open(f.node(6), "pay-2");
        f.world().run(Duration.ofSeconds(1));
        vote(three, id, Decision.BUYER);
        f.world().run(Duration.ofSeconds(1));
        three.crash();
        three.wipeDataDir();
        three.start();
        assertFalse(three.core().sync().caughtUp(), "an empty ledger: not caught up");
        Envelope theOpen = f.node(6).published().stream().filter(e -> e.type() == MessageType.DISPUTE_OPEN).findFirst()
                .orElseThrow();
        three.receiveRaw(three.topics().arbiterPropose(), theOpen.encode()); // as a persistent session hands it over
        IllegalArgumentException early = assertThrows(IllegalArgumentException.class, () -> vote(three, id, Decision.SELLER));
        assertTrue(early.getMessage().contains("ledger is new"), early.getMessage());
        f.world().run(Duration.ofSeconds(13)); // its clock checked against peers, then twice the 5 s skew
        String fresh = open(f.node(7), "pay-new"); // a dispute younger than the new ledger: no reason to wait
        f.world().run(Duration.ofMillis(500));
        vote(three, fresh, Decision.SELLER);
        assertTrue(f.world().runUntil(Duration.ofSeconds(20), () -> three.core().sync().caughtUp()));
        IllegalArgumentException later = assertThrows(IllegalArgumentException.class, () -> vote(three, id, Decision.SELLER));
        assertTrue(later.getMessage().contains("already voted BUYER"), later.getMessage());
        three.stop();
        three.start(); // the vote learned from a peer is in the new ledger now
        assertTrue(arb(three).dispute(id).orElseThrow().votes().containsKey(three.id()));
    }

    @Test
    void pagesAreAskedOneAtATimeAndCarryEverything() throws Exception {
        SimFederation f = fed(103, "sync:\n  pageSize: 4\n");
        SimNode away = f.node(7);
        away.crash();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            String id = open(f.node(6), "pay-" + i);
            f.world().run(Duration.ofMillis(200));
            for (int a = 1; a <= 3; a++) {
                vote(f.node(a), id, Decision.BUYER);
            }
            f.world().run(Duration.ofSeconds(10));
            ids.add(id);
        }
        List<String> timeline = new ArrayList<>();
        f.bus().partition((r, e) -> {
            if (e.type() == MessageType.SYNC_REQUEST && e.from().equals(away.id())) {
                timeline.add("request");
            } else if (e.type() == MessageType.SYNC_RESPONSE && r == away) {
                timeline.add("response");
            }
            return false;
        });
        away.start();
        assertTrue(f.world().runUntil(Duration.ofSeconds(30), () -> away.core().sync().caughtUp()
                && !timeline.isEmpty() && timeline.get(timeline.size() - 1).equals("response")));
        f.world().run(Duration.ofSeconds(2));
        for (String id : ids) {
            assertTrue(arb(away).dispute(id).orElseThrow().ruling().isPresent(), id);
        }
        for (int i = 0; i < timeline.size(); i++) {
            assertEquals(i % 2 == 0 ? "request" : "response", timeline.get(i), "one page outstanding at a time: " + timeline);
        }
        assertTrue(timeline.size() >= 2 * 4, "9 rulings in pages of 4, after the checkpoints' page: " + timeline.size());
    }

    @Test
    void aHostileResponderChangesNothingItShouldNot() throws Exception {
        SimFederation f = fed(104, "");
        SimNode asker = f.node(2);
        SimNode hostile = f.node(6);
        long now = f.world().now();
        // asker asks hostile; before the real answer arrives, hostile sends one holding its own backdated open and
        // a tampered vote on the checkpoints page
        asker.control(c -> c.sync().now(Optional.of(hostile.id())));
        String requestId = lastRequest(asker).contentId();
        DisputeOpen own = new DisputeOpen("grief", hostile.id(), f.node(1).id(), 1, "x", List.of(), now - 60_000);
        Envelope ownOpen = hostile.sign(MessageType.DISPUTE_OPEN, own, now - 60_000);
        Envelope vote = f.node(1).sign(MessageType.DISPUTE_VOTE, new io.quorumd.wire.DisputeVote(own.disputeId(),
                Decision.BUYER, "b", now), now);
        Envelope tampered = new Envelope(vote.type(), vote.from(), vote.ts() + 1, vote.body(), vote.sig());
        Envelope page = hostile.sign(MessageType.SYNC_RESPONSE, new SyncResponse(asker.id(), 0, SyncRequest.CHECKPOINTS,
                requestId, List.of(ownOpen, tampered), ""), now);
        asker.receiveRaw(asker.topics().syncResponse(asker.id()), page.encode());
        assertEquals(2, asker.metrics().protocolRejects("bad_sync_item"), "neither is a checkpoint final");
        Envelope stale = hostile.sign(MessageType.SYNC_RESPONSE, new SyncResponse(asker.id(), 0, SyncRequest.DISPUTES,
                "0".repeat(32), List.of(ownOpen), ""), now);
        asker.receiveRaw(asker.topics().syncResponse(asker.id()), stale.encode());
        assertEquals(1, asker.metrics().protocolRejects("stale_sync"));
        assertTrue(arb(asker).dispute(own.disputeId()).isEmpty());
    }

    @Test
    void aPeersOwnOpenIsNotTakenFromIt() throws Exception {
        SimFederation f = fed(105, "");
        SimNode asker = f.node(2);
        SimNode hostile = f.node(6);
        long now = f.world().now();
        asker.control(c -> c.sync().now(Optional.of(hostile.id())));
        f.bus().partition((r, e) -> r == asker && e.type() == MessageType.SYNC_RESPONSE); // its real answer is lost
        f.world().run(Duration.ofMillis(100));
        String requestId = lastRequest(asker).contentId();
        Envelope ownOpen = hostile.sign(MessageType.DISPUTE_OPEN, new DisputeOpen("grief", hostile.id(), f.node(1).id(), 1,
                "x", List.of(), now - 60_000), now - 60_000);
        Envelope page = hostile.sign(MessageType.SYNC_RESPONSE, new SyncResponse(asker.id(), 0, SyncRequest.CHECKPOINTS,
                requestId, List.of(), ""), now);
        asker.receiveRaw(asker.topics().syncResponse(asker.id()), page.encode());
        String disputesRequest = lastRequest(asker).contentId();
        Envelope disputes = hostile.sign(MessageType.SYNC_RESPONSE, new SyncResponse(asker.id(), 0, SyncRequest.DISPUTES,
                disputesRequest, List.of(ownOpen), ""), now);
        asker.receiveRaw(asker.topics().syncResponse(asker.id()), disputes.encode());
        assertEquals(1, asker.metrics().protocolRejects("sync_own_open"), asker.metrics().rejectSummary());
        assertTrue(arb(asker).disputes().isEmpty());
    }

    private static Envelope lastRequest(SimNode n) {
        List<Envelope> requests = n.published().stream().filter(e -> e.type() == MessageType.SYNC_REQUEST).toList();
        return requests.get(requests.size() - 1);
    }

    @Test
    void syncRequestsArePerMemberRateLimited() throws Exception {
        SimFederation f = fed(106, "sync:\n  requestsPerMinute: 20\n");
        SimNode responder = f.node(1);
        SimNode greedy = f.node(4);
        f.world().run(Duration.ofMinutes(1)); // whatever greedy asked at boot, its budget is full again
        long before = responder.published().stream().filter(e -> e.type() == MessageType.SYNC_RESPONSE).count();
        for (int i = 0; i < 50; i++) {
            Envelope r = greedy.sign(MessageType.SYNC_REQUEST, new SyncRequest(responder.id(), 0, SyncRequest.CHECKPOINTS,
                    0, ""), f.world().now());
            responder.receiveRaw(responder.topics().syncRequest(responder.id()), r.encode());
        }
        long answered = responder.published().stream().filter(e -> e.type() == MessageType.SYNC_RESPONSE).count() - before;
        assertEquals(20, answered, "a full budget of 20 a minute");
        assertEquals(30, responder.metrics().protocolRejects("sync_rate"));
    }

    @Test
    void openArrivesFromAnotherPeerWhenTheOneAskedIsItsOpener() throws Exception {
        SimFederation f = fed(107, "");
        SimNode deaf = f.node(5);
        SimNode opener = f.node(7);
        f.bus().partition((r, e) -> r == deaf && (e.type() == MessageType.DISPUTE_OPEN || e.type() == MessageType.DISPUTE_VOTE));
        String id = open(opener, "pay-9");
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(1), id, Decision.SELLER);
        f.world().run(Duration.ofSeconds(1));
        f.bus().partition((r, e) -> false);
        assertTrue(arb(deaf).dispute(id).isEmpty());
        deaf.control(c -> c.sync().now(Optional.of(opener.id())));
        f.world().run(Duration.ofSeconds(2));
        assertEquals(1, deaf.metrics().protocolRejects("sync_own_open"), "node-7's own open is not taken from it");
        assertTrue(arb(deaf).dispute(id).isPresent(), "it came from another peer right after");
        assertEquals(1, arb(deaf).dispute(id).orElseThrow().votes().size());
    }
}
