package io.quorumd.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.config.QuorumdConfig.SyncSection;
import io.quorumd.crypto.NodeKey;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeCodec;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.SyncRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The pages a responder cuts from what it holds, for random group sizes, envelope sizes and page sizes:
 * every envelope arrives exactly once and in order, cursors always grow and are valid on the wire, no page
 * breaks its count or byte bound, and a group that fits a page is never split.
 */
class SyncPagingTest {
    private static final NodeKey KEY = NodeKey.fromSeed(new byte[32]);
    private static final EnvelopeSigner SIGNER = new EnvelopeSigner(KEY,
            Clock.fixed(Instant.parse("2026-11-01T00:00:00Z"), ZoneOffset.UTC));

    private static SyncServer server(int pageSize) {
        return new SyncServer(KEY.nodeId(), new SyncSection(true, pageSize, Duration.ofSeconds(10), 600), null, null,
                null, null, null, null, java.util.Map.of());
    }

    private static Envelope envelope(Random r, int n) {
        String reason = "r".repeat(r.nextInt(10) == 0 ? 480 : r.nextInt(40));
        return SIGNER.sign(MessageType.DISPUTE_VOTE, new DisputeVote(String.format(Locale.ROOT, "%032x", n), Decision.BUYER, reason, n));
    }

    @Test
    void randomHoldingsArriveWholeAndInOrderUnderEveryBound() {
        for (long seed = 1; seed <= 40; seed++) {
            Random r = new Random(seed);
            int pageSize = 1 + r.nextInt(r.nextBoolean() ? 5 : 100);
            List<SyncSource.Group> groups = new ArrayList<>();
            List<Envelope> all = new ArrayList<>();
            int n = 0;
            for (int g = 0, count = r.nextInt(40); g < count; g++) {
                List<Envelope> es = new ArrayList<>();
                for (int i = 0, size = 1 + r.nextInt(r.nextInt(8) == 0 ? 150 : 6); i < size; i++) {
                    es.add(envelope(r, n++));
                }
                groups.add(new SyncSource.Group(String.format(Locale.ROOT, "%016d:%s", 1000 + g * 7L, "ab"), es));
                all.addAll(es);
            }
            SyncServer server = server(pageSize);
            List<Envelope> got = new ArrayList<>();
            String cursor = "";
            for (int pages = 0; ; pages++) {
                assertTrue(pages < 10_000, "seed " + seed + ": the pages never end");
                SyncServer.Page p = server.page(groups, cursor);
                assertTrue(p.envelopes().size() <= pageSize, "seed " + seed + ": page count bound");
                int bytes = SyncServer.PAGE_OVERHEAD + p.envelopes().stream().mapToInt(e -> e.encode().length + 1).sum();
                assertTrue(bytes <= EnvelopeCodec.MAX_BYTES, "seed " + seed + ": page byte bound");
                got.addAll(p.envelopes());
                if (p.next().isEmpty()) {
                    break;
                }
                assertTrue(SyncRequest.validCursor(p.next()), "seed " + seed + ": cursor " + p.next());
                assertTrue(p.next().compareTo(cursor) > 0, "seed " + seed + ": " + p.next() + " after " + cursor);
                cursor = p.next();
            }
            assertEquals(all, got, "seed " + seed + ": pageSize " + pageSize);
            assertNoSmallGroupSplit(groups, pageSize, server);
        }
    }

    private static void assertNoSmallGroupSplit(List<SyncSource.Group> groups, int pageSize, SyncServer server) {
        String cursor = "";
        while (true) {
            SyncServer.Page p = server.page(groups, cursor);
            for (SyncSource.Group g : groups) {
                long here = p.envelopes().stream().filter(g.envelopes()::contains).count();
                int bytes = SyncServer.PAGE_OVERHEAD + g.envelopes().stream().mapToInt(e -> e.encode().length + 1).sum();
                boolean fitsAPage = g.envelopes().size() <= pageSize && bytes <= EnvelopeCodec.MAX_BYTES;
                if (fitsAPage && here > 0) {
                    assertEquals(g.envelopes().size(), here, "group " + g.key() + " split across pages");
                }
            }
            if (p.next().isEmpty()) {
                return;
            }
            cursor = p.next();
        }
    }

    @Test
    void aGroupThatChangedBetweenTwoPagesIsSentAgainFromItsStart() {
        Random r = new Random(7);
        List<SyncSource.Group> before = List.of(new SyncSource.Group("0000000000000001:aa", List.of(envelope(r, 1),
                envelope(r, 2), envelope(r, 3))), new SyncSource.Group("0000000000000002:aa", List.of(envelope(r, 4))));
        SyncServer server = server(2);
        SyncServer.Page first = server.page(before, "");
        assertEquals(2, first.envelopes().size());
        // the first group was replaced meanwhile (its votes became a ruling): it goes again, then what follows
        Envelope ruling = envelope(r, 9);
        List<SyncSource.Group> after = List.of(new SyncSource.Group("0000000000000001:aa", List.of(ruling)),
                before.get(1));
        SyncServer.Page second = server.page(after, first.next());
        assertEquals(List.of(ruling, before.get(1).envelopes().get(0)), second.envelopes());
        assertEquals("", second.next());
        // unchanged, the same cursor goes on after the last envelope sent
        SyncServer.Page same = server.page(before, first.next());
        assertEquals(List.of(before.get(0).envelopes().get(2), before.get(1).envelopes().get(0)), same.envelopes());
    }

    @Test
    void anEnvelopeInsertedIntoAPartlySentGroupIsNotMissed() {
        Random r = new Random(11);
        Envelope open = envelope(r, 1);
        Envelope v1 = envelope(r, 2);
        Envelope v2 = envelope(r, 3);
        Envelope next = envelope(r, 4);
        List<SyncSource.Group> before = List.of(new SyncSource.Group("0000000000000001:aa", List.of(open, v1, v2)),
                new SyncSource.Group("0000000000000002:aa", List.of(next)));
        SyncServer server = server(3);
        SyncServer.Page first = server.page(before, "");
        assertEquals(List.of(open, v1, v2), first.envelopes());
        // an activation lands right after the open before the next page is asked
        Envelope activation = envelope(r, 5);
        List<SyncSource.Group> after = List.of(new SyncSource.Group("0000000000000001:aa", List.of(open, activation, v1, v2)),
                before.get(1));
        List<Envelope> rest = new ArrayList<>();
        String cursor = first.next();
        while (!cursor.isEmpty()) {
            SyncServer.Page p = server.page(after, cursor);
            assertTrue(p.next().isEmpty() || p.next().compareTo(cursor) > 0);
            rest.addAll(p.envelopes());
            cursor = p.next();
        }
        assertTrue(rest.contains(activation), "the changed group goes again: " + rest.size());
        assertTrue(rest.contains(next));
    }

    /** What a source that serves about a page at a time returns: the groups from {@code fromKey} on, {@code limit} at most. */
    private static SyncSource.Slice slice(List<SyncSource.Group> all, String fromKey, int limit) {
        List<SyncSource.Group> from = all.stream().filter(g -> g.key().compareTo(fromKey) >= 0).toList();
        return new SyncSource.Slice(from.subList(0, Math.min(limit, from.size())), from.size() > limit);
    }

    @Test
    void aSourceThatServesSlicesGetsEveryGroupOnceAndInOrder() {
        for (long seed = 1; seed <= 40; seed++) {
            Random r = new Random(seed);
            int pageSize = 1 + r.nextInt(r.nextBoolean() ? 5 : 100);
            List<SyncSource.Group> groups = new ArrayList<>();
            List<Envelope> all = new ArrayList<>();
            int n = 0;
            for (int g = 0, count = r.nextInt(150); g < count; g++) {
                List<Envelope> es = new ArrayList<>();
                for (int i = 0, size = 1 + r.nextInt(r.nextInt(10) == 0 ? 30 : 4); i < size; i++) {
                    es.add(envelope(r, n++));
                }
                groups.add(new SyncSource.Group(String.format(Locale.ROOT, "%020d", 1 + g), es));
                all.addAll(es);
            }
            SyncServer server = server(pageSize);
            List<Envelope> got = new ArrayList<>();
            String cursor = "";
            for (int pages = 0; ; pages++) {
                assertTrue(pages < 100_000, "seed " + seed + ": the pages never end");
                String key = cursor.split("\\.", -1)[0];
                SyncServer.Page p = server.page(slice(groups, key, pageSize + 1), cursor);
                assertTrue(p.envelopes().size() <= pageSize, "seed " + seed + ": page count bound");
                got.addAll(p.envelopes());
                if (p.next().isEmpty()) {
                    break;
                }
                assertTrue(p.next().compareTo(cursor) > 0, "seed " + seed + ": " + p.next() + " after " + cursor);
                cursor = p.next();
            }
            assertEquals(all, got, "seed " + seed + ": pageSize " + pageSize);
        }
    }
}
