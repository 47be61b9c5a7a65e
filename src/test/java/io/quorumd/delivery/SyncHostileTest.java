package io.quorumd.delivery;

import static io.quorumd.delivery.ResponderScenarioTest.arb;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.SyncRequest;
import io.quorumd.wire.SyncResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sync against hostile members and careless settings: each test once reproduced a way to make a node sign
 * twice or miss a decision for good.
 */
class SyncHostileTest {
    @TempDir
    Path dir;

    private SimFederation syncFed(long seed, Duration skew, String yaml) throws Exception {
        return SyncScenarioTest.fed(dir, seed, skew, yaml);
    }

    private static String open(SimNode by, String subject) {
        return SyncScenarioTest.open(by, subject);
    }

    private static void vote(SimNode n, String id, Decision d) {
        SyncScenarioTest.vote(n, id, d);
    }

    /** {@code opener} opens a dispute, node-3 votes BUYER on it, then node-3 crashes and loses its disk. */
    private static String votedThenWiped(SimFederation f, SimNode opener, String subject) throws Exception {
        SimNode three = f.node(3);
        String id = open(opener, subject);
        f.world().run(Duration.ofSeconds(1));
        vote(three, id, Decision.BUYER);
        f.world().run(Duration.ofSeconds(1));
        three.crash();
        wipe(three);
        return id;
    }

    /** Tries to vote; returns the refusal, or "" if the vote was signed. */
    private static String tryVote(SimNode n, String id, Decision d) {
        try {
            vote(n, id, d);
            return "";
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** The distinct decisions {@code n} has signed on dispute {@code id}, across incarnations. */
    private static Set<Decision> signedDecisions(SimNode n, String id) {
        return n.published().stream().filter(e -> e.type() == MessageType.DISPUTE_VOTE)
                .map(e -> (DisputeVote) e.body()).filter(v -> v.disputeId().equals(id))
                .map(DisputeVote::decision).collect(Collectors.toSet());
    }

    private static Envelope openEnvelope(SimNode opener, String id) {
        return opener.published().stream().filter(e -> e.type() == MessageType.DISPUTE_OPEN
                && ((DisputeOpen) e.body()).disputeId().equals(id)).findFirst().orElseThrow();
    }

    private static void wipe(SimNode n) throws Exception {
        try (Stream<Path> files = Files.walk(n.config().node().dataDir())) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static long requests(SimNode n) {
        return n.published().stream().filter(e -> e.type() == MessageType.SYNC_REQUEST).count();
    }

    private static Envelope lastRequest(SimNode n) {
        List<Envelope> requests = n.published().stream().filter(e -> e.type() == MessageType.SYNC_REQUEST).toList();
        return requests.get(requests.size() - 1);
    }

    @Test
    void aSyncNobodyAnsweredLeavesAWipedNodeUnableToVote() throws Exception {
        SimFederation f = syncFed(201, Duration.ofSeconds(30), "sync:\n  timeout: 1s\n");
        SimNode three = f.node(3);
        String id = votedThenWiped(f, f.node(6), "pay-a");
        f.bus().partition((r, e) -> r == three && e.type() == MessageType.SYNC_RESPONSE); // no page reaches it
        three.start();
        f.world().run(three.config().checkpoint().bootGrace().plusSeconds(6)); // 3 peers tried, 1 s each
        boolean caughtUp = three.core().sync().caughtUp();
        // the open arrives again live (a retry, a persistent session, any member's replay), within clockSkew
        three.receiveRaw(three.topics().arbiterPropose(), openEnvelope(f.node(6), id).encode());
        String refusal = tryVote(three, id, Decision.SELLER);
        assertEquals(Set.of(Decision.BUYER), signedDecisions(three, id), "node-3 signed BUYER before losing its disk"
                + " and SELLER after (caughtUp=" + caughtUp + " though no peer answered a page; refusal: '" + refusal + "')");
        assertFalse(caughtUp, "no peer answered a single page, yet the wiped node counts as caught up");
    }

    @Test
    void caughtUpIsRecordedInTheLedgerSoARestartBeforeTheFirstSyncStillWaits() throws Exception {
        SimFederation f = syncFed(202, Duration.ofSeconds(30), "");
        SimNode three = f.node(3);
        String id = votedThenWiped(f, f.node(6), "pay-b");
        f.bus().partition((r, e) -> r == three && e.type() == MessageType.SYNC_RESPONSE);
        three.start();
        f.world().run(Duration.ofMillis(500)); // still in boot grace: its BOOT entry is on disk, no sync yet
        assertFalse(three.core().sync().caughtUp());
        three.stop(); // the operator restarts it (or systemd does, after a crash)
        three.start();
        boolean caughtUp = three.core().sync().caughtUp();
        three.receiveRaw(three.topics().arbiterPropose(), openEnvelope(f.node(6), id).encode());
        String refusal = tryVote(three, id, Decision.SELLER);
        assertEquals(Set.of(Decision.BUYER), signedDecisions(three, id), "node-3 equivocates: caughtUp=" + caughtUp
                + " right after a restart, its ledger holding only the previous run's boot entry (refusal: '" + refusal + "')");
        assertFalse(caughtUp, "a ledger holding only this run's boot entry is taken for a caught-up one");
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
        assertTrue(arb(away).dispute(id).flatMap(d -> d.ruling()).isPresent(),
                "the ruling was made while node-5 was away; it asked for disputes since " + since
                        + " (now - 180 s) > openedAt " + openedAt + ": its own boot entry moved 'last activity' to now");
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
        assertEquals(0, held, "opens dated a year ahead, 50 > maxOpenPerMember 16, held via sync; relayed on to "
                + relayed + " at an honest node");
    }

    @Test
    void aGroupLargerThanAPageIsSplitNotCutSoAWipedArbiterLearnsItsVote() throws Exception {
        SimFederation f = syncFed(205, Duration.ofSeconds(5), "sync:\n  pageSize: 2\n"); // passes config check
        SimNode three = f.node(3);
        String id = open(f.node(6), "pay-e");
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(1), id, Decision.SELLER);
        f.world().run(Duration.ofSeconds(1));
        vote(three, id, Decision.BUYER);
        f.world().run(Duration.ofSeconds(1));
        three.crash();
        wipe(three);
        three.start();
        assertTrue(f.world().runUntil(Duration.ofSeconds(30), () -> three.core().sync().caughtUp()));
        assertTrue(arb(three).dispute(id).isPresent(), "the open came by sync");
        String refusal = tryVote(three, id, Decision.SELLER);
        assertEquals(Set.of(Decision.BUYER), signedDecisions(three, id),
                "the group [open, vote node-1, vote node-3] was cut to 2 envelopes; node-3 never learned its own vote"
                        + " and signed the other decision (refusal: '" + refusal + "')");
    }

    @Test
    void aDisputeThatExpiredWhileANodeWasAwayIsSyncedSoReputationTablesAgree() throws Exception {
        SimFederation f = SimFederation.started(208, dir, SimFederation.Options.arbitration(7, 5, 3, 0)
                .withClockSkew(Duration.ofSeconds(5)).withYaml("responder:\n  enabled: false\n"), 10);
        assertTrue(f.awaitCaughtUp(Duration.ofSeconds(30)));
        SimNode away = f.node(7);
        away.crash();
        String id = open(f.node(6), "pay-h");
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(1), id, Decision.BUYER); // one vote of M = 3: it expires at openedAt + 60 s
        f.world().run(Duration.ofSeconds(75));
        assertEquals(io.quorumd.arbiter.DisputeStatus.EXPIRED, arb(f.node(2)).dispute(id).orElseThrow().status());
        away.start(); // away 76 s: well within the 180 s the disputes selector looks back
        f.world().run(away.config().checkpoint().bootGrace().plusSeconds(10));
        assertTrue(away.core().sync().caughtUp());
        var peer = io.quorumd.arbiter.Reputation.of(arb(f.node(2)).disputes(), arb(f.node(2)).policy());
        var back = io.quorumd.arbiter.Reputation.of(arb(away).disputes(), arb(away).policy());
        assertEquals(peer.values().stream().map(x -> x.nonParticipations() + "/" + Math.round(x.score())).toList(),
                back.values().stream().map(x -> x.nonParticipations() + "/" + Math.round(x.score())).toList(),
                "nonParticipations/score per arbiter: node-7 synced after the dispute expired and never learned of it"
                        + " (held there: " + arb(away).dispute(id).isPresent() + ")");
    }

    /** Runs the world as the event loop would: a RuntimeException fails that one event, the loop goes on. */
    private static int runLikeTheLoop(SimFederation f, Duration d) {
        int failures = 0;
        long until = f.world().now() + d.toMillis();
        while (f.world().now() < until) {
            try {
                f.world().run(Duration.ofMillis(Math.min(1000, until - f.world().now())));
            } catch (RuntimeException e) {
                failures++;
            }
        }
        return failures;
    }

    /**
     * {@code n} loses its disk and comes back seeing only {@code hostile}, whose daemon's own sync answers are
     * lost (the test answers in its name); returns at the end of boot grace, with the first request sent.
     */
    private static void wipedSeeingOnly(SimFederation f, SimNode n, SimNode hostile) throws Exception {
        n.crash();
        wipe(n);
        f.bus().partition((r, e) -> r == n && ((e.type() == MessageType.PRESENCE_HEARTBEAT && !e.from().equals(hostile.id()))
                || e.type() == MessageType.SYNC_RESPONSE));
        n.start();
        f.world().run(n.config().checkpoint().bootGrace().plusMillis(200));
    }

    @Test
    void aMalformedNextCursorIsRejectedAndSyncMovesOnToAnotherPeer() throws Exception {
        SimFederation f = syncFed(209, Duration.ofSeconds(5), "");
        SimNode three = f.node(3);
        SimNode hostile = f.node(6);
        wipedSeeingOnly(f, three, hostile);
        Envelope request = lastRequest(three);
        assertEquals(hostile.id(), ((SyncRequest) request.body()).to());
        Envelope page = hostile.signUnchecked(MessageType.SYNC_RESPONSE, new SyncResponse(three.id(), 0,
                SyncRequest.CHECKPOINTS, request.contentId(), List.of(), "Z"), f.world().now()); // not a cursor
        three.receiveRaw(three.topics().syncResponse(three.id()), page.encode());
        assertEquals(1, three.metrics().rejects(io.quorumd.wire.RejectReason.BAD_VALUE));
        f.bus().partition((r, e) -> false); // every peer visible and answering from now on
        int failures = runLikeTheLoop(f, Duration.ofMinutes(1));
        assertEquals(0, failures, "no handler failed");
        assertTrue(three.core().sync().caughtUp(), "the unanswered request timed out and other peers were asked");
    }

    @Test
    void aCursorThatDoesNotMoveOnIsRefusedAndThePeerGivenUp() throws Exception {
        SimFederation f = syncFed(210, Duration.ofSeconds(5), "");
        SimNode three = f.node(3);
        SimNode hostile = f.node(6);
        wipedSeeingOnly(f, three, hostile);
        Envelope first = lastRequest(three);
        three.receiveRaw(three.topics().syncResponse(three.id()), hostile.sign(MessageType.SYNC_RESPONSE,
                new SyncResponse(three.id(), 0, SyncRequest.CHECKPOINTS, first.contentId(), List.of(), "b"),
                f.world().now()).encode());
        Envelope second = lastRequest(three);
        assertEquals("b", ((SyncRequest) second.body()).cursor());
        three.receiveRaw(three.topics().syncResponse(three.id()), hostile.sign(MessageType.SYNC_RESPONSE,
                new SyncResponse(three.id(), 0, SyncRequest.CHECKPOINTS, second.contentId(), List.of(), "a"),
                f.world().now()).encode());
        assertEquals(1, three.metrics().protocolRejects("bad_sync_cursor"));
        assertFalse(three.core().sync().caughtUp());
        f.bus().partition((r, e) -> false);
        assertTrue(f.world().runUntil(Duration.ofSeconds(30), () -> three.core().sync().caughtUp()),
                "another peer was asked from the start");
        List<Envelope> asked = three.published().stream().filter(e -> e.type() == MessageType.SYNC_REQUEST).toList();
        assertTrue(asked.stream().anyMatch(e -> !((SyncRequest) e.body()).to().equals(hostile.id())));
    }

    @Test
    void aWipedNodeCatchesUpFromTwoPeersSoOneAnsweringEmptyPagesCannotMakeItSignTwice() throws Exception {
        SimFederation f = syncFed(211, Duration.ofSeconds(30), "");
        SimNode three = f.node(3);
        SimNode liar = f.node(6);
        String id = votedThenWiped(f, f.node(7), "pay-l");
        // the liar is the only peer node-3 sees at the end of boot grace, so it is asked first
        f.bus().partition((r, e) -> r == three && ((e.type() == MessageType.SYNC_RESPONSE && e.from().equals(liar.id()))
                || (e.type() == MessageType.PRESENCE_HEARTBEAT && !e.from().equals(liar.id()))));
        long before = requests(three);
        three.start();
        assertTrue(f.world().runUntil(Duration.ofSeconds(30), () -> requests(three) > before));
        assertEquals(liar.id(), ((SyncRequest) lastRequest(three).body()).to());
        f.bus().partition((r, e) -> r == three && e.type() == MessageType.SYNC_RESPONSE && e.from().equals(liar.id()));
        f.world().run(Duration.ofSeconds(3)); // the others' heartbeats: online again
        Set<String> answered = new java.util.HashSet<>();
        long until = f.world().now() + Duration.ofSeconds(60).toMillis();
        while (!three.core().sync().caughtUp() && f.world().now() < until) {
            f.world().run(Duration.ofMillis(100));
            for (Envelope req : List.copyOf(three.published())) {
                if (req.type() == MessageType.SYNC_REQUEST && ((SyncRequest) req.body()).to().equals(liar.id())
                        && answered.add(req.contentId())) { // "I hold nothing"
                    three.receiveRaw(three.topics().syncResponse(three.id()), liar.sign(MessageType.SYNC_RESPONSE,
                            new SyncResponse(three.id(), 0, ((SyncRequest) req.body()).selector(), req.contentId(),
                                    List.of(), ""), f.world().now()).encode());
                }
            }
        }
        assertTrue(three.core().sync().caughtUp());
        String refusal = tryVote(three, id, Decision.SELLER);
        assertTrue(refusal.contains("already voted BUYER"), refusal);
        assertEquals(Set.of(Decision.BUYER), signedDecisions(three, id));
    }

    @Test
    void aWipedNodeWithSyncOffIsCaughtUpAtOnce() throws Exception {
        SimFederation f = syncFed(212, Duration.ofSeconds(5), "sync:\n  enabled: false\n");
        SimNode three = f.node(3);
        three.crash();
        wipe(three);
        three.start();
        assertTrue(three.core().sync().caughtUp(), "sync off: nothing to wait for (a WARN says what that risks)");
    }

}
