package io.quorumd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.NodeKey;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Heartbeat;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.Offline;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a starting node concludes from its own presence topic: twin, clear, or a ledger behind its key. */
class StartWatchTest {
    private static final long HEARTBEAT = 1_000;
    private static final long NOW = 1_800_000_000_000L; // this run started here
    private static final long EARLIER_RUN = NOW - 3_600_000;
    private final NodeKey key = NodeKey.fromSeed(new byte[32]);
    private final NodeKey other = NodeKey.fromSeed(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
        17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});
    private final EnvelopeSigner signer = new EnvelopeSigner(key, Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));

    private StartWatch watch(long latestRecordedRun) {
        StartWatch w = new StartWatch(key.nodeId(), NOW, latestRecordedRun, HEARTBEAT);
        w.subscribed(NOW);
        return w;
    }

    private Envelope heartbeat(long run, long ts) {
        return signer.signAt(MessageType.PRESENCE_HEARTBEAT, new Heartbeat(run, 7), ts);
    }

    private Envelope will(long run) {
        return signer.signAt(MessageType.PRESENCE_OFFLINE, new Offline(run, Offline.Reason.LOST), run);
    }

    @Test
    void nothingRetainedEndsTheWatchOnceTheBrokerHadTimeToDeliver() {
        StartWatch w = watch(EARLIER_RUN);
        assertEquals(StartWatch.Verdict.WATCHING, w.verdict(NOW + StartWatch.SETTLE_MS - 1));
        assertEquals(StartWatch.Verdict.CLEAR, w.verdict(NOW + StartWatch.SETTLE_MS));
        assertEquals(Optional.empty(), w.behind());
    }

    @Test
    void theWillOfTheLastRunEndsTheWatchAtOnce() {
        StartWatch w = watch(EARLIER_RUN);
        w.onOwn(will(EARLIER_RUN), true);
        assertEquals(StartWatch.Verdict.CLEAR, w.verdict(NOW + StartWatch.SETTLE_MS));
        assertEquals(Optional.empty(), w.behind(), "a run the ledger recorded");
    }

    @Test
    void aRetainedHeartbeatOfTheLastRunIsWatchedForOneHeartbeatThenCleared() {
        StartWatch w = watch(EARLIER_RUN);
        w.onOwn(heartbeat(EARLIER_RUN, NOW - 200), true); // killed before the broker published its will
        assertEquals(StartWatch.Verdict.WATCHING, w.verdict(NOW + StartWatch.SETTLE_MS));
        assertEquals(StartWatch.Verdict.WATCHING, w.verdict(NOW + w.longestMs() - 1));
        assertEquals(StartWatch.Verdict.CLEAR, w.verdict(NOW + w.longestMs()));
    }

    @Test
    void theWillArrivingWhileWatchingEndsTheWatchEarly() {
        StartWatch w = watch(EARLIER_RUN);
        w.onOwn(heartbeat(EARLIER_RUN, NOW - 200), true);
        w.onOwn(will(EARLIER_RUN), false);
        assertEquals(StartWatch.Verdict.CLEAR, w.verdict(NOW + StartWatch.SETTLE_MS));
    }

    @Test
    void aLiveHeartbeatOfAnOlderRunSignedAfterThisStartIsATwin() {
        StartWatch w = watch(EARLIER_RUN);
        w.onOwn(heartbeat(EARLIER_RUN, NOW - 200), true);
        w.onOwn(heartbeat(EARLIER_RUN, NOW + 800), false);
        assertEquals(StartWatch.Verdict.TWIN, w.verdict(NOW + 800));
        assertEquals(EARLIER_RUN, w.twinStartedAt());
    }

    @Test
    void aReplayOfAnOldHeartbeatSentLiveIsNoTwin() {
        StartWatch w = watch(EARLIER_RUN);
        w.onOwn(heartbeat(EARLIER_RUN, NOW - 10), false); // signed before this run began: anyone can resend it
        assertEquals(StartWatch.Verdict.WATCHING, w.verdict(NOW + StartWatch.SETTLE_MS));
        assertEquals(StartWatch.Verdict.CLEAR, w.verdict(NOW + w.longestMs()));
    }

    @Test
    void aRetainedHeartbeatDatedAfterThisStartIsNoTwinAlone() {
        StartWatch w = watch(EARLIER_RUN);
        w.onOwn(heartbeat(EARLIER_RUN, NOW + 5_000), true); // a clock stepped back since: watch, do not stop
        assertEquals(StartWatch.Verdict.WATCHING, w.verdict(NOW + StartWatch.SETTLE_MS));
        assertEquals(StartWatch.Verdict.CLEAR, w.verdict(NOW + w.longestMs()));
    }

    @Test
    void aLiveHeartbeatOfANewerRunLeavesThisOlderProcessRunning() {
        StartWatch w = watch(EARLIER_RUN);
        w.onOwn(heartbeat(NOW + 300, NOW + 400), false);
        assertEquals(StartWatch.Verdict.CLEAR, w.verdict(NOW + StartWatch.SETTLE_MS));
        assertEquals(NOW + 300, w.newerTwinStartedAt());
    }

    @Test
    void aRunLaterThanEveryRunTheLedgerRecordedMeansTheLedgerIsBehind() {
        StartWatch w = watch(EARLIER_RUN);
        w.onOwn(will(EARLIER_RUN + 60_000), true);
        assertTrue(w.behind().orElseThrow().contains("restored from a backup"), w.behind().toString());
        assertEquals(StartWatch.Verdict.CLEAR, w.verdict(NOW + StartWatch.SETTLE_MS));
    }

    @Test
    void aNewLedgerIsNeverCalledBehind() {
        StartWatch w = watch(-1); // a new ledger signs nothing older than itself anyway
        w.onOwn(will(EARLIER_RUN), true);
        assertEquals(Optional.empty(), w.behind());
    }

    @Test
    void anotherKeysMessagesAreIgnored() {
        StartWatch w = watch(EARLIER_RUN);
        EnvelopeSigner stranger = new EnvelopeSigner(other, Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));
        w.onOwn(stranger.signAt(MessageType.PRESENCE_HEARTBEAT, new Heartbeat(EARLIER_RUN, 1), NOW + 500), false);
        w.onOwn(stranger.signAt(MessageType.PRESENCE_OFFLINE, new Offline(EARLIER_RUN + 60_000, Offline.Reason.LOST),
                NOW), true);
        assertEquals(StartWatch.Verdict.CLEAR, w.verdict(NOW + StartWatch.SETTLE_MS));
        assertEquals(Optional.empty(), w.behind());
    }
}
