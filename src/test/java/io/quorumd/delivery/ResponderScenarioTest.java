package io.quorumd.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.arbiter.ArbiterMachine;
import io.quorumd.crypto.NodeKey;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.CheckpointTuple;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeRuling;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.RejectReason;
import io.quorumd.wire.ResponderAck;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The responder on seven simulated nodes (node-1…node-5 primaries, M = 3), ticks of 10 s: a ruling its
 * publisher keeps re-publishing — the same bytes — until minCopies holders acknowledged it.
 */
class ResponderScenarioTest {
    static final Duration TICK = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    static SimFederation fed(Path dir, long seed, String responder) throws Exception {
        SimFederation f = SimFederation.started(seed, dir, SimFederation.Options.arbitration(7, 5, 3, 0)
                .withClockSkew(Duration.ofSeconds(5))
                .withYaml("responder:\n  tick: 10s\n  ackDelay: 1s\n" + responder), 10);
        assertTrue(f.awaitCaughtUp(Duration.ofSeconds(30)));
        return f;
    }

    static ArbiterMachine arb(SimNode n) {
        return n.core().arbiter().orElseThrow();
    }

    /** node-6 opens; node-1 and node-2 vote, then node-3: its vote is the M-th, it publishes the ruling. */
    static String ruledBy3(SimFederation f) {
        String id = f.node(6).control(c -> c.arbiter().orElseThrow().desk().open("pay-1", "node-6", "node-7", 5, "x",
                List.of()));
        f.world().run(Duration.ofSeconds(1));
        for (int a : new int[] {1, 2}) {
            f.node(a).control(c -> {
                c.arbiter().orElseThrow().desk().vote(id, Decision.BUYER, "b");
                return null;
            });
        }
        f.world().run(Duration.ofSeconds(1));
        f.node(3).control(c -> {
            c.arbiter().orElseThrow().desk().vote(id, Decision.BUYER, "b");
            return null;
        });
        return id;
    }

    static Envelope rulingOf(SimNode n, String id) {
        return n.published().stream().filter(e -> e.type() == MessageType.DISPUTE_RULING
                && ((DisputeRuling) e.body()).disputeId().equals(id)).findFirst().orElseThrow();
    }

    static Tracker tracker(SimNode n, String fragment) {
        return n.core().responder().orElseThrow().find(fragment).orElseThrow();
    }

    @Test
    void withheldAcknowledgementsMakeThePublisherRetryAtTwoFourEightTicksUntilHonestCopiesSuffice() throws Exception {
        SimFederation f = fed(dir, 91, "  minCopies: 4\n");
        SimNode publisher = f.node(3);
        Set<SimNode> byzantine = Set.of(f.node(5), f.node(6), f.node(7)); // they store it, they never acknowledge
        Set<SimNode> late = Set.of(f.node(1), f.node(2), f.node(4));       // honest, but cut off from rulings for a while
        BiPredicate<io.quorumd.sim.SimBus.Receiver, Envelope> cut = (r, e) -> (e.type() == MessageType.RESPONDER_ACK
                && byzantine.stream().anyMatch(b -> b.id().equals(e.from())))
                || (late.contains(r) && (e.type() == MessageType.DISPUTE_RULING || e.type() == MessageType.DISPUTE_VOTE));
        f.bus().partition(cut);
        String id = ruledBy3(f);
        f.world().run(Duration.ofMillis(100));
        Envelope ruling = rulingOf(publisher, id);
        List<Long> sends = new ArrayList<>();
        long start = f.world().now();
        for (int tick = 0; tick < 16; tick++) {
            int before = count(publisher, ruling);
            f.world().run(TICK);
            if (count(publisher, ruling) > before) {
                sends.add((f.world().now() - start) / TICK.toMillis());
            }
        }
        assertEquals(3, sends.size(), "re-published 3 times in 16 ticks: " + sends);
        long first = sends.get(0);
        long second = sends.get(1) - sends.get(0);
        long third = sends.get(2) - sends.get(1);
        assertTrue(first >= 2 && first <= 3 && second >= 4 && second <= 5 && third >= 7 && third <= 10,
                "intervals 2, 4, 8 ticks (±10 % jitter): " + sends);
        assertEquals(TrackerState.PENDING, tracker(publisher, id).state(), "byzantine acks never count");
        f.bus().partition((r, e) -> e.type() == MessageType.RESPONDER_ACK
                && byzantine.stream().anyMatch(b -> b.id().equals(e.from())));
        assertTrue(f.world().runUntil(TICK.multipliedBy(20), () -> tracker(publisher, id).state() == TrackerState.CONFIRMED),
                "the next re-publication reaches the honest nodes: " + tracker(publisher, id).acks());
        assertEquals(3, tracker(publisher, id).acks().size(), "copies: the publisher and three honest holders");
        for (SimNode n : late) {
            assertTrue(arb(n).dispute(id).orElseThrow().ruling().isPresent(), n + " holds the ruling");
        }
    }

    private static int count(SimNode n, Envelope e) {
        return (int) n.published().stream().filter(e::equals).count();
    }

    @Test
    void withMinCopiesSevenTheTrackerBacksOffToTheCapAndExpires() throws Exception {
        SimFederation f = fed(dir, 92, "  minCopies: 7\n  backoffMax: 60s\n  keepFor: 5m\n");
        SimNode publisher = f.node(3);
        Set<SimNode> byzantine = Set.of(f.node(5), f.node(6), f.node(7));
        f.bus().partition((r, e) -> e.type() == MessageType.RESPONDER_ACK
                && byzantine.stream().anyMatch(b -> b.id().equals(e.from())));
        String id = ruledBy3(f);
        f.world().run(Duration.ofMinutes(4));
        Tracker t = tracker(publisher, id);
        assertEquals(TrackerState.PENDING, t.state());
        assertEquals(6, t.threshold(), "backoffMax 60 s caps the wait at 6 ticks of 10 s");
        f.world().run(Duration.ofMinutes(2));
        assertEquals(TrackerState.EXPIRED, tracker(publisher, id).state());
        assertEquals(4, tracker(publisher, id).acks().size() + 1, "the honest holders only");
    }

    @Test
    void aLostFirstPublicationReachesEveryNodeWithinRetryAfterMissedPlusOneTicks() throws Exception {
        SimFederation f = fed(dir, 93, "");
        SimNode publisher = f.node(3);
        Set<SimNode> deaf = Set.of(f.node(4), f.node(5), f.node(7)); // they miss the votes and the first ruling
        boolean[] first = {true};
        f.bus().partition((r, e) -> deaf.contains(r) && (e.type() == MessageType.DISPUTE_VOTE
                || (e.type() == MessageType.DISPUTE_RULING && first[0])));
        String id = ruledBy3(f);
        f.world().run(Duration.ofMillis(100));
        first[0] = false; // the first publication (and any by the others' grace) is lost for the deaf
        f.bus().partition((r, e) -> deaf.contains(r) && e.type() == MessageType.DISPUTE_VOTE);
        long start = f.world().now();
        assertTrue(f.world().runUntil(TICK.multipliedBy(3).plusSeconds(2), () -> deaf.stream()
                .allMatch(n -> arb(n).dispute(id).isPresent() && arb(n).dispute(id).get().ruling().isPresent())),
                "every node holds the ruling");
        assertTrue(f.world().now() - start <= TICK.multipliedBy(3).plusSeconds(2).toMillis());
        for (SimNode n : f.nodes()) {
            long trackers = n.core().responder().orElseThrow().trackers().stream()
                    .filter(t -> t.id().startsWith("ruling:" + id)).count();
            assertTrue(trackers <= 1, n + " keeps " + trackers + " trackers for one ruling");
        }
    }

    @Test
    void aPublisherKilledAfterFsyncAndBeforePublishResumesItsTrackerAfterBootGrace() throws Exception {
        SimFederation f = fed(dir, 94, "");
        SimNode publisher = f.node(3);
        f.bus().partition((r, e) -> e.from().equals(publisher.id()) && e.type() == MessageType.DISPUTE_RULING);
        String id = ruledBy3(f);
        Envelope ruling = rulingOf(publisher, id); // signed, in the ledger; its publication dies with the node
        publisher.crash();
        f.bus().partition((r, e) -> false);
        publisher.start();
        assertEquals(TrackerState.PENDING, tracker(publisher, id).state(), "the tracker came back from the ledger");
        f.world().run(publisher.config().checkpoint().bootGrace().plusSeconds(1));
        assertEquals(2, count(publisher, ruling), "published once more, the same bytes, at the end of boot grace");
        assertTrue(f.world().runUntil(TICK.multipliedBy(3), () -> tracker(publisher, id).state() != TrackerState.PENDING));
    }

    @Test
    void fiveThousandDueTrackersGoOutAtMostMaxPerTickAtATime() throws Exception {
        SimFederation f = fed(dir, 95, "  maxPerTick: 100\n");
        SimNode n = f.node(1);
        Responder r = n.core().responder().orElseThrow();
        List<Envelope> decisions = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            CheckpointTuple t = new CheckpointTuple(n.id().hex(), f.world().now() - i, 0, 1, 1, "", 1);
            decisions.add(n.sign(MessageType.CHECKPOINT_FINAL, new CheckpointFinal(t, List.of(), Optional.empty()),
                    f.world().now()));
        }
        n.control(c -> {
            decisions.forEach(d -> r.restore(DecisionIds.of(d).orElseThrow(), n.topics().checkpointFinal(n.id().hex()),
                    true, d, f.world().now()));
            r.bootGraceOver();
            return null;
        });
        List<Integer> perTick = new ArrayList<>();
        int sent = sentFinals(n);
        for (int tick = 0; tick < 55; tick++) {
            f.world().run(TICK);
            int now = sentFinals(n);
            perTick.add(now - sent);
            sent = now;
        }
        assertTrue(perTick.stream().allMatch(x -> x <= 100), "at most maxPerTick a tick: " + perTick);
        assertTrue(sent >= 5000, "all went out within 55 ticks: " + sent);
        f.nodes().forEach(x -> assertEquals(0, x.metrics().queueDrops()));
    }

    private static int sentFinals(SimNode n) {
        return (int) n.published().stream().filter(e -> e.type() == MessageType.CHECKPOINT_FINAL).count();
    }

    @Test
    void forgedAcknowledgementsNeverCount() throws Exception {
        SimFederation f = fed(dir, 96, "  minCopies: 7\n");
        SimNode publisher = f.node(3);
        String id = ruledBy3(f);
        f.world().run(Duration.ofMillis(100));
        Tracker t = tracker(publisher, id);
        String decision = t.id();
        f.bus().partition((r, e) -> e.type() == MessageType.RESPONDER_ACK); // no honest ack gets through now
        int before = t.acks().size();
        NodeKey stranger = NodeKey.fromSeed(new byte[32]);
        Envelope forged = new io.quorumd.wire.EnvelopeSigner(stranger, f.world().clock()).sign(MessageType.RESPONDER_ACK,
                new ResponderAck(publisher.id(), 0, List.of(decision)));
        publisher.receiveRaw(publisher.topics().responderAck(publisher.id()), forged.encode());
        assertEquals(1, publisher.metrics().rejects(RejectReason.UNKNOWN_SENDER));
        Envelope misaddressed = f.node(1).sign(MessageType.RESPONDER_ACK, new ResponderAck(f.node(2).id(), 0,
                List.of(decision)), f.world().now());
        publisher.receiveRaw(publisher.topics().responderAck(publisher.id()), misaddressed.encode());
        assertEquals(1, publisher.metrics().rejects(RejectReason.WRONG_TOPIC));
        publisher.control(c -> {
            c.onMessage(new io.quorumd.loop.InboundMessage(publisher.topics().responderAck(publisher.id()), misaddressed,
                    c.config().federation().roster().byId(f.node(1).id()).orElseThrow()));
            return null;
        });
        assertEquals(1, publisher.metrics().protocolRejects("wrong_ack"));
        assertEquals(before, tracker(publisher, id).acks().size(), "no forged ack counted");
    }

    @Test
    void withMinCopiesOneThePublisherAloneConfirmsItsDecision() throws Exception {
        SimFederation f = fed(dir, 97, "  minCopies: 1\n");
        f.bus().partition((r, e) -> e.type() == MessageType.RESPONDER_ACK); // no ack arrives at all
        String id = ruledBy3(f);
        f.world().run(Duration.ofMillis(100));
        assertEquals(TrackerState.CONFIRMED, tracker(f.node(3), id).state());
        assertEquals(0, f.node(3).core().responder().orElseThrow().pending());
    }
}
