package io.quorumd.delivery;

import static io.quorumd.delivery.ResponderScenarioTest.arb;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.wire.Decision;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.Heartbeat;
import io.quorumd.wire.MessageType;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The responder against hostile members and crashes at bad moments: each test once reproduced a way to
 * make a publisher spend its budget on a member's behalf or lose a tracker.
 */
class ResponderHostileTest {
    @TempDir
    Path dir;

    private static void vote(SimNode n, String id, Decision d) {
        DeliveryFixtures.vote(n, id, d);
    }

    private static String open(SimNode by, String subject) {
        return DeliveryFixtures.open(by, subject);
    }

    private static String ruled(SimFederation f, String subject) {
        String id = open(f.node(6), subject);
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(1), id, Decision.BUYER);
        vote(f.node(2), id, Decision.BUYER);
        f.world().run(Duration.ofSeconds(1));
        vote(f.node(3), id, Decision.BUYER);
        return id;
    }

    @Test
    void aMemberRestartingEveryTickCannotCrowdOutAPendingDecision() throws Exception {
        SimFederation f = ResponderScenarioTest.fed(dir, 206, "  maxPerTick: 1\n");
        SimNode publisher = f.node(3);
        SimNode hostile = f.node(7);
        hostile.crash(); // it never acknowledges anything; its "restarts" are forged heartbeats below
        f.world().run(Duration.ofSeconds(5));
        String old = ruled(f, "pay-old");
        f.world().run(Duration.ofSeconds(5));
        assertEquals(TrackerState.CONFIRMED, ResponderScenarioTest.tracker(publisher, old).state());

        Set<SimNode> late = Set.of(f.node(4), f.node(5)); // miss the new dispute's votes and its first ruling
        boolean[] first = {true};
        f.bus().partition((r, e) -> late.contains(r) && (e.type() == MessageType.DISPUTE_VOTE
                || (e.type() == MessageType.DISPUTE_RULING && first[0])));
        String fresh = ruled(f, "pay-new");
        f.world().run(Duration.ofMillis(100));
        first[0] = false;
        assertEquals(TrackerState.PENDING, ResponderScenarioTest.tracker(publisher, fresh).state());
        Envelope oldRuling = ResponderScenarioTest.rulingOf(publisher, old);
        int oldBefore = (int) publisher.published().stream().filter(oldRuling::equals).count();

        for (int tick = 0; tick < 20; tick++) {
            long now = f.world().now();
            Envelope hb = hostile.sign(MessageType.PRESENCE_HEARTBEAT, new Heartbeat(now, 1), now);
            publisher.receiveRaw(publisher.topics().presence(hostile.id()), hb.encode());
            f.world().run(ResponderScenarioTest.TICK);
        }
        int oldResent = (int) publisher.published().stream().filter(oldRuling::equals).count() - oldBefore;
        boolean lateHold = late.stream().allMatch(n -> arb(n).dispute(fresh).flatMap(d -> d.ruling()).isPresent());
        assertTrue(lateHold, "in 20 ticks the pending ruling never went out again; the confirmed one went out "
                + oldResent + " times, once per forged restart of node-7");
    }


    @Test
    void aCrashBetweenTheRulingRecordAndItsTrackRecordLosesBothOrNeither() throws Exception {
        SimFederation f = ResponderScenarioTest.fed(dir, 207, "");
        SimNode publisher = f.node(3);
        f.bus().partition((r, e) -> e.from().equals(publisher.id()) && e.type() == MessageType.DISPUTE_RULING);
        String id = ResponderScenarioTest.ruledBy3(f);
        publisher.crash();
        f.bus().partition((r, e) -> false);
        // A kill between the RULING record's write and the TRACK record's leaves a file ending after the ruling:
        // their group has no seal, so a start drops the ruling with the tracker (a ruling without its tracker would
        // never be published by this node).
        cutBeforeLastRecordOfKind(publisher.config().node().dataDir().resolve("ledger"), "track");
        publisher.start();
        boolean ruled = arb(publisher).dispute(id).flatMap(d -> d.ruling()).isPresent();
        boolean tracked = publisher.core().responder().orElseThrow().find(id).isPresent();
        assertFalse(ruled, "the unsealed ruling is not replayed");
        assertEquals(ruled, tracked, "the ruling and its tracker: both or neither");
        assertTrue(f.world().runUntil(Duration.ofMinutes(5), () -> arb(publisher).dispute(id).flatMap(d -> d.ruling())
                .isPresent()), "the peers' copies bring the ruling back");
    }

    private static void cutBeforeLastRecordOfKind(Path ledgerDir, String kind) throws Exception {
        Path segment;
        try (Stream<Path> s = Files.list(ledgerDir)) {
            segment = s.filter(p -> p.toString().endsWith(".qlog")).max(Comparator.naturalOrder()).orElseThrow();
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(segment));
        b.position(12);
        long cut = -1;
        while (b.remaining() >= 8) {
            int start = b.position();
            int len = b.getInt();
            byte[] payload = new byte[len];
            b.get(payload);
            b.getInt();
            if (new String(payload, StandardCharsets.UTF_8).contains("\"kind\":\"" + kind + "\"")) {
                cut = start;
            }
        }
        assertTrue(cut > 0, "a " + kind + " record");
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ch.truncate(cut);
        }
    }
}
