package io.quorumd.arbiter;

import static io.quorumd.arbiter.ArbiterScenarioTest.arb;
import static io.quorumd.arbiter.ArbiterScenarioTest.dispute;
import static io.quorumd.arbiter.ArbiterScenarioTest.fed;
import static io.quorumd.arbiter.ArbiterScenarioTest.open;
import static io.quorumd.arbiter.ArbiterScenarioTest.scores;
import static io.quorumd.arbiter.ArbiterScenarioTest.vote;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.quorumd.crypto.NodeId;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.DisputeRuling;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.FallbackActivation;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.RejectReason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A roster member can sign anything. Each scenario has one member try to grief the others through the
 * arbitration protocol; each attempt must be a counted refusal that changes nothing and sends nothing.
 * Six nodes: node-1…node-4 primaries (M = 3), node-5 the fallback arbiter, node-6 a plain member.
 */
class ArbiterHostileTest {
    private static final long DAY = 86_400_000L;

    @TempDir
    Path dir;

    private static long published(SimFederation f) {
        return f.nodes().stream().mapToLong(n -> n.published().stream()
                .filter(e -> e.type() != MessageType.PRESENCE_HEARTBEAT).count()).sum();
    }

    @Test
    void reputationGriefingByBackdatedNonPartyOpensChangesNothing() throws Exception {
        SimFederation f = fed(dir, 41, 6, 4, 3, 1, 10);
        SimNode hostile = f.node(5);
        Map<NodeId, Double> before = scores(f.node(1));
        long sentBefore = published(f);
        for (int i = 0; i < 20; i++) {
            DisputeOpen body = new DisputeOpen("grief-" + i, f.node(1).id(), f.node(2).id(), 10, "x", List.of(), f.world().now() - DAY);
            f.bus().publish(hostile.topics().arbiterPropose(), hostile.sign(MessageType.DISPUTE_OPEN, body,
                    f.world().now() - DAY), false);
        }
        f.world().run(Duration.ofMinutes(5)); // far past the voting period of any of them
        for (SimNode n : f.nodes()) {
            if (n != hostile) {
                assertEquals(20, n.metrics().protocolRejects("not_a_party"), n.name());
                assertTrue(arb(n).disputes().isEmpty(), n + " stored none");
                assertEquals(before, scores(n), n + ": reputations unchanged");
            }
        }
        assertEquals(55.0, before.values().iterator().next(), "an arbiter with no history scores 55");
        assertEquals(sentBefore, published(f), "no node published anything in answer");
    }

    @Test
    void aPartyCannotBackdateOrPostdateItsOpen() throws Exception {
        SimFederation f = fed(dir, 42, 6, 4, 3, 1, 10);
        SimNode party = f.node(6);
        long now = f.world().now();
        for (long openedAt : new long[] {now - DAY, now - 60_000, now + 60_000}) {
            DisputeOpen body = new DisputeOpen("pay-" + openedAt, f.node(6).id(), f.node(1).id(), 10, "x", List.of(), openedAt);
            f.bus().publish(party.topics().arbiterPropose(), party.sign(MessageType.DISPUTE_OPEN, body, openedAt), false);
        }
        f.world().run(Duration.ofSeconds(1));
        SimNode peer = f.node(3);
        assertEquals(2, peer.metrics().protocolRejects("stale_open"));
        assertEquals(1, peer.metrics().protocolRejects("future_open"));
        assertTrue(arb(peer).disputes().isEmpty());
    }

    @Test
    void aMemberHasAtMostMaxOpenPerMemberActiveDisputes() throws Exception {
        SimFederation f = fed(dir, 43, 6, 4, 3, 1, 10);
        SimNode party = f.node(6);
        int cap = party.config().arbiter().maxOpenPerMember();
        for (int i = 0; i < cap; i++) {
            String subject = "pay-" + i;
            party.control(c -> c.arbiter().orElseThrow().desk().open(subject, "node-6", "node-1", 1, "x", List.of()));
        }
        IllegalArgumentException local = assertThrows(IllegalArgumentException.class, () -> party.control(c ->
                c.arbiter().orElseThrow().desk().open("pay-x", "node-6", "node-1", 1, "x", List.of())));
        assertTrue(local.getMessage().contains("maxOpenPerMember"), local.getMessage());
        // Signed by hand, the 17th still reaches nobody's books.
        DisputeOpen extra = new DisputeOpen("pay-y", f.node(6).id(), f.node(2).id(), 1, "x", List.of(), f.world().now());
        f.bus().publish(party.topics().arbiterPropose(), party.sign(MessageType.DISPUTE_OPEN, extra, f.world().now()), false);
        f.world().run(Duration.ofSeconds(1));
        for (SimNode n : f.nodes()) {
            assertEquals(cap, arb(n).openCount(), n.name());
        }
        assertEquals(1, f.node(2).metrics().protocolRejects("too_many_open"));
    }

    @Test
    void onlyAPartyMayActivateTheFallbackArbiters() throws Exception {
        SimFederation f = fed(dir, 44, 6, 4, 3, 1, 10);
        String id = open(f.node(6));
        f.world().run(Duration.ofSeconds(31)); // past the midpoint; node-6's own activation is due…
        SimNode fallbackArbiter = f.node(5);
        Envelope own = fallbackArbiter.sign(MessageType.DISPUTE_FALLBACK, new FallbackActivation(id, f.world().now()),
                f.world().now());
        f.node(2).receiveRaw(f.node(2).topics().arbiterPropose(), own.encode());
        assertEquals(1, f.node(2).metrics().protocolRejects("not_a_party"));
        assertTrue(dispute(f.node(2), id).fallback().orElseThrow().from().equals(f.node(6).id()),
                "the activation that counts is the party's");
    }

    @Test
    void aRulingWhoseOpenIsNotFromAPartyIsInvalid() throws Exception {
        SimFederation f = fed(dir, 45, 6, 4, 3, 1, 10);
        SimNode hostile = f.node(5);
        long now = f.world().now();
        DisputeOpen body = new DisputeOpen("pay-z", f.node(1).id(), f.node(2).id(), 1, "x", List.of(), now);
        Envelope open = hostile.sign(MessageType.DISPUTE_OPEN, body, now);
        List<Envelope> votes = new ArrayList<>();
        for (int a = 1; a <= 3; a++) {
            votes.add(f.node(a).sign(MessageType.DISPUTE_VOTE, new DisputeVote(body.disputeId(), Decision.SELLER, "y", now),
                    now));
        }
        Envelope ruling = hostile.sign(MessageType.DISPUTE_RULING,
                new DisputeRuling(open, Optional.empty(), Decision.SELLER, votes), now);
        f.node(4).receiveRaw(f.node(4).topics().arbiterFinal(), ruling.encode());
        assertEquals(1, f.node(4).metrics().protocolRejects("invalid_ruling"));
        assertTrue(arb(f.node(4)).dispute(body.disputeId()).isEmpty());
    }

    @Test
    void logFloodOfLoneSurrogatesIsCountedRejectsNotStackTraces() throws Exception {
        SimFederation f = fed(dir, 46, 6, 4, 3, 1, 10);
        SimNode party = f.node(6);
        SimNode target = f.node(2);
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        try {
            for (int i = 0; i < 50; i++) {
                DisputeOpen body = new DisputeOpen("pay-" + i, f.node(6).id(), f.node(1).id(), 1, "MARK", List.of(), f.world().now());
                String json = new String(party.sign(MessageType.DISPUTE_OPEN, body, f.world().now()).encode(),
                        StandardCharsets.UTF_8).replace("MARK", "\\ud800");
                target.receiveRaw(target.topics().arbiterPropose(), json.getBytes(StandardCharsets.UTF_8));
            }
        } finally {
            root.detachAppender(logs);
        }
        assertEquals(50, target.metrics().rejects(RejectReason.NOT_CANONICAL));
        assertTrue(arb(target).disputes().isEmpty());
        assertEquals(0, logs.list.stream().filter(e -> e.getLevel() == Level.ERROR || e.getThrowableProxy() != null).count(),
                "no ERROR and no stack trace");
        assertEquals(1, logs.list.stream().filter(e -> e.getFormattedMessage().contains("rejected")).count(),
                "one rate-limited WARN for 50 rejects");
    }

    @Test
    void localOpenIsCheckedByThePeersRules() throws Exception {
        SimFederation f = fed(dir, 47, 6, 4, 3, 1, 10);
        SimNode n = f.node(6);
        long seq = n.core().ledger().lastSeq();
        String longText = "x".repeat(DisputeOpen.MAX_SUBJECT + 1);
        List<String[]> bad = List.of(new String[] {" ", "node-6", "node-1", "a dispute needs a subject"},
                new String[] {longText, "node-6", "node-1", "at most 256"},
                new String[] {"pay", "node-6", "node-6", "two different members"},
                new String[] {"pay\ud800", "node-6", "node-1", "lone surrogate"},
                new String[] {"pay", "node-1", "node-2", "neither"},
                new String[] {"pay", "node-6", "nobody", "roster member"});
        for (String[] b : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> n.control(c ->
                    c.arbiter().orElseThrow().desk().open(b[0], b[1], b[2], 1, "r", List.of())));
            assertTrue(e.getMessage().contains(b[3]), b[3] + " in: " + e.getMessage());
        }
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class, () -> n.control(c ->
                c.arbiter().orElseThrow().desk().open("pay", "node-6", "node-1", 1L << 53, "r", List.of())));
        assertTrue(big.getMessage().contains("2^53"), big.getMessage());
        assertEquals(seq, n.core().ledger().lastSeq(), "nothing was signed");
    }

    @Test
    void voteBufferTakesOnlyArbitersAndAtMostItsShareFromOne() throws Exception {
        SimFederation f = fed(dir, 48, 6, 4, 3, 1, 10);
        SimNode target = f.node(2);
        long now = f.world().now();
        for (int i = 0; i < 10; i++) {
            String unknown = String.format("%032x", i + 1);
            Envelope v = f.node(6).sign(MessageType.DISPUTE_VOTE, new DisputeVote(unknown, Decision.BUYER, "r", now), now);
            target.receiveRaw(target.topics().arbiterVote(), v.encode());
        }
        assertEquals(10, target.metrics().protocolRejects("not_an_arbiter"), "a non-arbiter's votes are not buffered");
        int over = 30;
        for (int i = 0; i < ArbiterMachine.BUFFER_PER_SENDER + over; i++) {
            String unknown = String.format("%032x", 1000 + i);
            Envelope v = f.node(1).sign(MessageType.DISPUTE_VOTE, new DisputeVote(unknown, Decision.BUYER, "r", now), now);
            target.receiveRaw(target.topics().arbiterVote(), v.encode());
        }
        assertEquals(over, target.metrics().protocolRejects("vote_buffer_full"));
        // Another arbiter still has room.
        Envelope fromThree = f.node(3).sign(MessageType.DISPUTE_VOTE,
                new DisputeVote(String.format("%032x", 99_999), Decision.BUYER, "r", now), now);
        target.receiveRaw(target.topics().arbiterVote(), fromThree.encode());
        assertEquals(over, target.metrics().protocolRejects("vote_buffer_full"));
    }

    @Test
    void rulingForADisputeAlreadyMarkedExpiredAtStartResolvesIt() throws Exception {
        SimFederation f = fed(dir, 49, 6, 4, 3, 1, 10);
        SimNode away = f.node(4);
        String id = open(f.node(6));
        f.world().run(Duration.ofSeconds(1));
        away.crash();
        vote(f.node(1), id, Decision.BUYER);
        vote(f.node(2), id, Decision.BUYER);
        vote(f.node(3), id, Decision.BUYER);
        f.world().run(Duration.ofSeconds(10)); // votes cross on the bus; a ruling grace ends and one node publishes
        Envelope ruling = f.nodes().stream().flatMap(n -> n.published().stream())
                .filter(e -> e.type() == MessageType.DISPUTE_RULING).findFirst().orElseThrow();
        f.world().run(Duration.ofSeconds(80)); // past the deadline while node-4 is down
        away.start();
        assertEquals(DisputeStatus.EXPIRED, dispute(away, id).status(), "expired at start from what it had seen");
        away.receiveRaw(away.topics().arbiterFinal(), ruling.encode()); // the broker delivers what it queued
        Dispute d = dispute(away, id);
        assertEquals(DisputeStatus.RESOLVED, d.status());
        assertEquals(Optional.of(Decision.BUYER), d.decision());
        assertTrue(d.ruling().isPresent());
        assertEquals(scores(f.node(1)), scores(away), "the same signed facts give the same reputation table");
        assertEquals("none", away.metrics().rejectSummary());
    }

    @Test
    void expirySweepCatchesADeadlineTheWallClockJumpedPast() throws Exception {
        SimFederation f = SimFederation.started(50, dir, SimFederation.Options.arbitration(6, 4, 3, 1).withArbiters(
                new SimFederation.Arbiters(4, 3, 1, Duration.ofHours(1), Duration.ofMinutes(30))), 10);
        SimWorld world = f.world();
        world.run(Duration.ofSeconds(3));
        String id = open(f.node(6));
        world.run(Duration.ofSeconds(1));
        world.clock().jump(Duration.ofHours(2).toMillis()); // the wall clock is stepped; the 1 h deadline timer is not due
        world.run(Duration.ofSeconds(1));
        assertTrue(dispute(f.node(2), id).status().active(), "no timer has fired yet");
        world.run(f.node(2).config().arbiter().expiryCheckEvery());
        for (SimNode n : f.nodes()) {
            assertEquals(DisputeStatus.EXPIRED, dispute(n, id).status(), n.name());
        }
    }

    @Test
    void anEquivocatingArbiterLeavesOneEvidenceEntryHoweverManyVotesItSigns() throws Exception {
        SimFederation f = fed(dir, 51, 6, 4, 3, 1, 10);
        String id = open(f.node(6));
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(1), id, Decision.BUYER);
        f.world().run(Duration.ofSeconds(1));
        SimNode peer = f.node(3);
        long seq = peer.core().ledger().lastSeq();
        for (int i = 0; i < 50; i++) {
            long at = f.world().now() + i;
            peer.receiveRaw(peer.topics().arbiterVote(), f.node(1).sign(MessageType.DISPUTE_VOTE,
                    new DisputeVote(id, Decision.SELLER, "changed my mind " + i, at), at).encode());
        }
        assertEquals(50, peer.metrics().protocolRejects("equivocation"));
        assertEquals(seq + 3, peer.core().ledger().lastSeq(),
                "one evidence entry and the other-decision vote, nothing else (and the seal of their commit)");
        assertEquals(1, dispute(peer, id).count(Decision.BUYER), "the first vote stands");
        assertEquals(1, dispute(peer, id).count(Decision.SELLER), "and the arbiter counts on both sides it signed");
    }
}
