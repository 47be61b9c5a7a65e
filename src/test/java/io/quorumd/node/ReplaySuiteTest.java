package io.quorumd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.wire.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every message a broker carried, of every type, handed again to the nodes that already took it (a broker
 * re-delivering a persistent session, or a peer replaying what it recorded), live and after a restart: the
 * replay writes nothing to the ledger and makes the node publish nothing. The three requests are the exception by
 * design: a replayed {@code sync.request}, {@code order.fetch} or {@code pm.paramsRequest} is answered again, within
 * its asker's budget (see OrderHostileTest.onePeerCannotSpendTheFetchAnswersOfAnother,
 * OrderSyncHostileTest.aThousandRequestsFromSeqZeroMeetTheRateLimit, PmHostileWiringTest.aParamsRequestDeliveredTwiceIsAnsweredOnce);
 * here an answer is at most one message per replayed request.
 */
class ReplaySuiteTest {
    private static final long SEED = Long.getLong("quorumd.security.seed", 4242);
    private static final java.util.Set<MessageType> REQUESTS = java.util.EnumSet.of(MessageType.SYNC_REQUEST,
            MessageType.ORDER_FETCH, MessageType.PM_PARAMS_REQUEST);

    @TempDir
    Path dir;

    /** What a replay may change: the ledger and what the node sends. */
    private record Marks(long ledger, int published, String rejects) {
        static Marks of(SimNode n) {
            return new Marks(n.core().ledgerEntries(), n.published().size(), n.metrics().rejectSummary());
        }
    }

    @Test
    void everyMessageTypeReplayedLiveAndAfterARestartChangesNothing() throws Exception {
        SimFederation f = CapturedTraffic.federation(SEED, dir);
        CapturedTraffic tap = CapturedTraffic.drive(f);
        f.world().run(Duration.ofSeconds(1));
        tap.stopRecording();
        assertEquals(List.of(), tap.missing(), "every type was captured, seed " + SEED);
        List<String> report = new ArrayList<>();
        for (SimNode n : List.of(f.node(3), f.node(4), f.node(5), f.node(6))) {
            replayAll(tap, n, "live", report);
        }
        for (SimNode n : List.of(f.node(3), f.node(5), f.node(6))) {
            n.stop();
            n.start();
            f.world().run(Duration.ofSeconds(20));
            replayAll(tap, n, "restarted", report);
        }
        report.forEach(System.out::println);
        for (MessageType type : MessageType.values()) {
            assertTrue(report.stream().anyMatch(r -> r.contains(" " + type.wireName() + " sent=") && !r.contains(" sent=0 ")),
                    type.wireName() + " was replayed to some node");
        }
        List<String> changed = report.stream().filter(r -> r.startsWith("REPLAY CHANGED")).toList();
        assertEquals(List.of(), changed, "seed " + SEED);
    }

    private static void replayAll(CapturedTraffic tap, SimNode n, String when, List<String> report) {
        for (MessageType type : MessageType.values()) {
            Marks before = Marks.of(n);
            int sent = 0;
            for (CapturedTraffic.Sent s : tap.all(type)) {
                if (CapturedTraffic.heardBy(n, s.topic())) {
                    n.receiveRaw(s.topic(), s.envelope().encode());
                    sent++;
                }
            }
            Marks after = Marks.of(n);
            long ledger = after.ledger() - before.ledger();
            long out = after.published() - before.published();
            boolean ok = REQUESTS.contains(type) ? out <= 2L * sent && (ledger == 0 || type == MessageType.ORDER_FETCH)
                    : ledger == 0 && out == 0;
            report.add("REPLAY " + (ok ? "ok " : "CHANGED ") + when + " " + n + " " + type.wireName() + " sent=" + sent + " ledger+="
                    + (after.ledger() - before.ledger()) + " published+=" + (after.published() - before.published())
                    + " rejects " + before.rejects() + " -> " + after.rejects());
        }
    }
}
