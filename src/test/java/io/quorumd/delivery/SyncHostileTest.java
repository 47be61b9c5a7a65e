package io.quorumd.delivery;

import static io.quorumd.delivery.DeliveryFixtures.heldFrom;
import static io.quorumd.delivery.DeliveryFixtures.lastRequest;
import static io.quorumd.delivery.DeliveryFixtures.requests;
import static io.quorumd.delivery.DeliveryFixtures.open;
import static io.quorumd.delivery.DeliveryFixtures.openEnvelope;
import static io.quorumd.delivery.DeliveryFixtures.table;
import static io.quorumd.delivery.DeliveryFixtures.tryVote;
import static io.quorumd.delivery.DeliveryFixtures.vote;
import static io.quorumd.delivery.DeliveryFixtures.wipe;
import static io.quorumd.delivery.ResponderScenarioTest.arb;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sync against hostile members and careless settings: each test once reproduced a way to make a node miss
 * a decision for good, hold what live input refuses, stall, or spin.
 */
class SyncHostileTest {
    @TempDir
    Path dir;

    private SimFederation syncFed(long seed, Duration skew, String yaml) throws Exception {
        return SyncScenarioTest.fed(dir, seed, skew, yaml);
    }

    /** node-1..5 primaries, M = 3, voting 60 s + fallback 30 s (one window 90 s), responder off. */
    private SimFederation arbFed(long seed, String yaml) throws Exception {
        SimFederation f = SimFederation.started(seed, dir, SimFederation.Options.arbitration(7, 5, 3, 0)
                .withClockSkew(Duration.ofSeconds(5)).withYaml("responder:\n  enabled: false\n" + yaml), 10);
        assertTrue(f.awaitCaughtUp(Duration.ofSeconds(30)));
        return f;
    }

    @Test
    void aNodeAwayLongerThanTwoDisputeWindowsAsksFromBeforeItLeft() throws Exception {
        // votingTimeout 60 s + fallbackExtension 30 s: 2 x window = 180 s
        SimFederation f = SimFederation.started(203, dir, SimFederation.Options.arbitration(7, 5, 3, 0)
                .withClockSkew(Duration.ofSeconds(5)).withYaml("responder:\n  enabled: false\n"), 10);
        assertTrue(f.awaitCaughtUp(Duration.ofSeconds(30)));
        SimNode away = f.node(5);
        away.crash();
        String id = open(f.node(6), "pay-c");
        f.world().run(Duration.ofSeconds(1));
        for (int a = 1; a <= 3; a++) {
            vote(f.node(a), id, Decision.SELLER);
        }
        f.world().run(Duration.ofSeconds(5));
        assertTrue(arb(f.node(1)).dispute(id).orElseThrow().ruling().isPresent());
        f.world().run(Duration.ofMinutes(4)); // away 4 min > 180 s
        away.start();
        f.world().run(away.config().checkpoint().bootGrace().plusSeconds(10));
        assertTrue(away.core().sync().caughtUp());
        List<Envelope> asked = away.published().stream().filter(e -> e.type() == MessageType.SYNC_REQUEST
                && ((SyncRequest) e.body()).selector().equals(SyncRequest.DISPUTES)).toList();
        long since = ((SyncRequest) asked.get(asked.size() - 1).body()).since();
        long openedAt = ((DisputeOpen) openEnvelope(f.node(6), id).body()).openedAt();
        assertTrue(since <= openedAt, "asked since " + since + ", the open is of " + openedAt
                + ": the look-back starts from before this start's boot entry");
        assertTrue(arb(away).dispute(id).flatMap(d -> d.ruling()).isPresent(), "the ruling made while it was away");
    }

    @Test
    void syncedOpensAreRefusedWhenPostDatedOrBeyondTheCap() throws Exception {
        SimFederation f = syncFed(204, Duration.ofSeconds(5), "");
        SimNode asker = f.node(2);
        SimNode server = f.node(6);   // hostile, answers the sync
        SimNode opener = f.node(7);   // hostile, signs the opens
        long now = f.world().now();
        List<Envelope> opens = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            long at = now + Duration.ofDays(365).toMillis();
            opens.add(opener.sign(MessageType.DISPUTE_OPEN, new DisputeOpen("squat-" + i, opener.id(), f.node(1).id(), 1,
                    "x", List.of(), at), now));
        }
        f.node(1).receiveRaw(f.node(1).topics().arbiterPropose(), opens.get(0).encode());
        assertEquals(1, f.node(1).metrics().protocolRejects("future_open"), "live: refused");

        asker.control(c -> c.sync().now(Optional.of(server.id())));
        f.bus().partition((r, e) -> r == asker && e.type() == MessageType.SYNC_RESPONSE); // the daemon's own answer is lost
        f.world().run(Duration.ofMillis(100));
        Envelope empty = server.sign(MessageType.SYNC_RESPONSE, new SyncResponse(asker.id(), 0, SyncRequest.CHECKPOINTS,
                lastRequest(asker).contentId(), List.of(), ""), now);
        asker.receiveRaw(asker.topics().syncResponse(asker.id()), empty.encode());
        Envelope page = server.sign(MessageType.SYNC_RESPONSE, new SyncResponse(asker.id(), 0, SyncRequest.DISPUTES,
                lastRequest(asker).contentId(), opens, ""), now);
        asker.receiveRaw(asker.topics().syncResponse(asker.id()), page.encode());
        f.bus().partition((r, e) -> false);
        long held = arb(asker).disputes().stream().filter(d -> d.open().from().equals(opener.id())).count();

        // and an honest node that later syncs from the honest asker takes them too (the asker is not their opener)
        SimNode honest = f.node(4);
        honest.control(c -> c.sync().now(Optional.of(asker.id())));
        f.world().run(Duration.ofSeconds(5));
        long relayed = arb(honest).disputes().stream().filter(d -> d.open().from().equals(opener.id())).count();
        assertEquals(0, held, "opens dated a year ahead held via sync");
        assertEquals(50, asker.metrics().protocolRejects("future_open"));
        assertEquals(0, relayed, "nothing to relay");
    }

    @Test
    void twoColludersCannotInjectBackdatedExpiredOpensThroughSync() throws Exception {
        SimFederation f = syncFed(301, Duration.ofSeconds(5), "");
        SimNode victim = f.node(2);
        SimNode server = f.node(6);   // hostile: answers the sync
        SimNode opener = f.node(7);   // hostile: signs opens dated in the past, one an hour, for 100 hours
        long now = f.world().now();
        List<Envelope> opens = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            long at = now - Duration.ofHours(100 - i).toMillis();
            opens.add(opener.sign(MessageType.DISPUTE_OPEN, new DisputeOpen("old-" + i, opener.id(), f.node(1).id(), 1,
                    "x", List.of(), at), at));
        }
        // live, every node refuses them: backdated
        f.node(1).receiveRaw(f.node(1).topics().arbiterPropose(), opens.get(0).encode());
        assertEquals(1, f.node(1).metrics().protocolRejects("stale_open"));

        victim.control(c -> c.sync().now(Optional.of(server.id())));
        f.bus().partition((r, e) -> r == victim && e.type() == MessageType.SYNC_RESPONSE); // the daemon's own pages lost
        f.world().run(Duration.ofMillis(100));
        victim.receiveRaw(victim.topics().syncResponse(victim.id()), server.sign(MessageType.SYNC_RESPONSE,
                new SyncResponse(victim.id(), 0, SyncRequest.CHECKPOINTS, lastRequest(victim).contentId(), List.of(), ""),
                now).encode());
        Envelope disputesRequest = lastRequest(victim);
        long since = ((SyncRequest) disputesRequest.body()).since();
        victim.receiveRaw(victim.topics().syncResponse(victim.id()), server.sign(MessageType.SYNC_RESPONSE,
                new SyncResponse(victim.id(), 0, SyncRequest.DISPUTES, disputesRequest.contentId(), opens, ""),
                now).encode());
        f.bus().partition((r, e) -> false);
        f.world().run(Duration.ofMinutes(6)); // the expiry sweep
        assertEquals(0, heldFrom(victim, opener), "opens dated up to 100 h back (asked since " + (now - since) / 1000
                + " s ago) whose voting periods are over");
        assertEquals(100, victim.metrics().protocolRejects("stale_open"));
        assertEquals(table(f.node(1)), table(victim), "reputation untouched");
    }

    private static List<String> batch(SimFederation f, String name) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 16; i++) { // maxOpenPerMember: exactly the live cap, honoured
            ids.add(open(f.node(6), name + "-" + i));
        }
        return ids;
    }

    private static boolean allOver(SimFederation f, List<String> ids) {
        return ids.stream().allMatch(id -> arb(f.node(1)).dispute(id).map(d -> !d.status().active()).orElse(false));
    }

    /**
     * node-6 keeps to the live cap: 16 disputes that expire unanswered, then 16 more within one dispute window
     * (90 s) of them. node-7 held the first batch live, missed the second: the second comes by sync, each
     * open with 16 unresolved ones of node-6 dated within the window before it — under twice the cap.
     */
    @Test
    void historyOfAMemberHonouringTheLiveCapIsTaken() throws Exception {
        SimFederation f = arbFed(302, "");
        SimNode late = f.node(7);
        List<String> a = batch(f, "a");
        assertTrue(f.world().runUntil(Duration.ofMinutes(5), () -> allOver(f, a)));
        late.crash();
        List<String> b = batch(f, "b");
        f.world().run(Duration.ofSeconds(5));
        late.start();
        f.world().run(late.config().checkpoint().bootGrace().plusSeconds(20));
        assertTrue(late.core().sync().caughtUp());
        assertEquals(0, late.metrics().protocolRejects("too_many_open"));
        assertTrue(b.stream().allMatch(id -> arb(late).dispute(id).isPresent()), "the second batch came by sync");
        assertEquals(heldFrom(f.node(1), f.node(6)), heldFrom(late, f.node(6)));
    }

    /**
     * node-3 wiped and restarted; online besides it: honest node-1 and node-6, whose sync answers never reach
     * node-3 (a hostile member, or a broker ACL missing its sync topics).
     */
    private SimFederation wipedWithOneHonestAndOneSilentPeer(long seed) throws Exception {
        SimFederation f = syncFed(seed, Duration.ofSeconds(30), "");
        SimNode three = f.node(3);
        String id = open(f.node(7), "pay-s");
        f.world().run(Duration.ofSeconds(1));
        vote(three, id, Decision.BUYER);
        f.world().run(Duration.ofSeconds(1));
        for (int n : new int[] {2, 4, 5, 7}) {
            f.node(n).crash();
        }
        three.crash();
        wipe(three);
        f.bus().partition((r, e) -> r == three && e.type() == MessageType.SYNC_RESPONSE && e.from().equals(f.node(6).id()));
        three.start();
        return f;
    }

    @Test
    void aSilentMemberDoesNotKeepAWipedNodeFromCatchingUpOrFromVotingOnNewDisputes() throws Exception {
        SimFederation f = wipedWithOneHonestAndOneSilentPeer(303);
        SimNode three = f.node(3);
        f.world().run(Duration.ofSeconds(61)); // twice the 30 s skew after its new ledger began
        assertFalse(three.core().sync().caughtUp(), "node-1 alone completes a session: fewer than f + 1 = 3 peers");
        String fresh = open(f.node(6), "pay-new");
        f.world().run(Duration.ofSeconds(1));
        assertEquals("", tryVote(three, fresh, Decision.SELLER), "a dispute younger than its ledger and its run: it votes");
        for (int n : new int[] {2, 4}) {
            f.node(n).start();
        }
        assertTrue(f.world().runUntil(Duration.ofMinutes(10), () -> three.core().sync().caughtUp()),
                "node-1, node-2 and node-4 answer: caught up");
    }

    @Test
    void retriesOfAnIncompleteSyncBackOffToFiveMinutes() throws Exception {
        SimFederation f = syncFed(304, Duration.ofSeconds(30), "sync:\n  timeout: 1s\n");
        SimNode three = f.node(3);
        three.crash();
        wipe(three);
        f.bus().partition((r, e) -> r == three && e.type() == MessageType.SYNC_RESPONSE); // nobody's pages arrive
        three.start();
        f.world().run(Duration.ofMinutes(1));
        long before = requests(three);
        f.world().run(Duration.ofHours(1));
        long sessions = (requests(three) - before) / 3; // three peers tried per session
        // 10 s doubling to 5 min: after the first minute, about 12 an hour
        assertTrue(sessions >= 10 && sessions <= 16, sessions + " sessions in an hour");
        assertFalse(three.core().sync().caughtUp());
    }

    @Test
    void aWipedNodeRestartedBeforeItsFirstSyncStillAsksForAllHistory() throws Exception {
        SimFederation f = arbFed(305, "");
        SimNode seven = f.node(7);
        String ruled = open(f.node(6), "pay-old");
        f.world().run(Duration.ofSeconds(1));
        for (int a = 1; a <= 3; a++) {
            vote(f.node(a), ruled, Decision.SELLER);
        }
        f.world().run(Duration.ofMinutes(10)); // > two windows (180 s)
        assertTrue(arb(f.node(1)).dispute(ruled).orElseThrow().ruling().isPresent());
        seven.crash();
        wipe(seven);      // the operator replaces the disk...
        seven.start();
        f.world().run(Duration.ofMillis(500));
        seven.stop();     // ...and restarts the daemon before its first sync
        int earlier = seven.published().size();
        seven.start();
        assertTrue(f.world().runUntil(Duration.ofSeconds(60), () -> seven.core().sync().caughtUp()));
        long since = seven.published().subList(earlier, seven.published().size()).stream()
                .filter(e -> e.type() == MessageType.SYNC_REQUEST
                        && ((SyncRequest) e.body()).selector().equals(SyncRequest.DISPUTES))
                .mapToLong(e -> ((SyncRequest) e.body()).since()).min().orElse(-1);
        assertEquals(0, since, "a ledger that never synced asks for all disputes");
        assertTrue(arb(seven).dispute(ruled).flatMap(d -> d.ruling()).isPresent(), "the ruling of 10 min ago");
    }

    /**
     * node-6 signs 40 backdated opens inside one dispute window and node-7 serves them by sync — to node-4
     * oldest first, to node-2 newest first. Either way no more than twice maxOpenPerMember are held.
     */
    @Test
    void theHistoryCapHoldsWhateverOrderTheOpensArriveIn() throws Exception {
        SimFederation f = syncFed(504, Duration.ofSeconds(30), "");
        SimNode opener = f.node(6);
        SimNode accomplice = f.node(7);
        int cap = 2 * f.node(2).config().arbiter().maxOpenPerMember();
        long now = f.world().now();
        List<Envelope> newestFirst = new ArrayList<>();
        for (int i = 0; i < cap + 8; i++) {
            long at = now - 1_000L * (i + 1);
            newestFirst.add(opener.sign(MessageType.DISPUTE_OPEN, new DisputeOpen("flood-" + i, opener.id(),
                    f.node(1).id(), 1, "x", List.of(), at), at));
        }
        List<Envelope> oldestFirst = new ArrayList<>(newestFirst);
        java.util.Collections.reverse(oldestFirst);
        f.bus().partition((r, e) -> e.type() == MessageType.SYNC_RESPONSE && e.from().equals(accomplice.id()));
        serveBySync(f, f.node(4), accomplice, oldestFirst);
        serveBySync(f, f.node(2), accomplice, newestFirst);
        assertEquals(cap, heldFrom(f.node(4), opener), "oldest first");
        assertEquals(cap, heldFrom(f.node(2), opener), "newest first");
        assertEquals(8, f.node(2).metrics().protocolRejects("too_many_open"));
    }

    /** {@code victim} asks {@code server}, whose answer for disputes is {@code items} (its daemon's own is lost). */
    private static void serveBySync(SimFederation f, SimNode victim, SimNode server, List<Envelope> items) {
        Set<String> answered = new HashSet<>();
        victim.published().stream().filter(e -> e.type() == MessageType.SYNC_REQUEST).forEach(e -> answered.add(e.contentId()));
        int old = answered.size();
        victim.control(c -> c.sync().now(Optional.of(server.id())));
        assertTrue(f.world().runUntil(Duration.ofSeconds(20), () -> {
            for (Envelope req : List.copyOf(victim.published())) {
                if (req.type() != MessageType.SYNC_REQUEST || !((SyncRequest) req.body()).to().equals(server.id())
                        || !answered.add(req.contentId())) {
                    continue;
                }
                SyncRequest r = (SyncRequest) req.body();
                List<Envelope> page = r.selector().equals(SyncRequest.DISPUTES) ? items : List.of();
                victim.receiveRaw(victim.topics().syncResponse(victim.id()), server.sign(MessageType.SYNC_RESPONSE,
                        new SyncResponse(victim.id(), 0, r.selector(), req.contentId(), page, ""), f.world().now()).encode());
            }
            return answered.size() >= old + 2; // checkpoints, then disputes
        }));
        f.world().run(Duration.ofSeconds(1));
    }
}
