package io.quorumd.delivery;

import io.quorumd.config.QuorumdConfig.SyncSection;
import io.quorumd.crypto.Hashes;
import io.quorumd.crypto.NodeId;
import io.quorumd.loop.InboundMessage;
import io.quorumd.loop.Journal;
import io.quorumd.loop.Outbox;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeCodec;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.Roster;
import io.quorumd.wire.SyncRequest;
import io.quorumd.wire.SyncResponse;
import io.quorumd.wire.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The answering side of sync: one page per request, built from what this node holds — whole groups after the
 * cursor (a group larger than a page is split across pages), at most pageSize envelopes and never more bytes
 * than a message may carry — sent to the requester's
 * response topic. A source that holds more than a page can cheaply give ({@code order}, read from the ledger
 * files) is asked for the groups from the cursor's on, about one page of them. A selector this node does not
 * serve (ordering off) gets an empty last page; so does a since beyond what it holds. Each
 * member may ask requestsPerMinute times a minute (a budget refilled continuously); beyond that a request is a
 * counted refusal and gets no answer. The budgets are bounded by the roster. Loop thread only.
 */
final class SyncServer {
    private static final Logger LOG = LoggerFactory.getLogger(SyncServer.class);
    /** Room left for the response's own fields and signature. */
    static final int PAGE_OVERHEAD = 1024;

    private final NodeId self;
    private final SyncSection settings;
    private final Supplier<Roster> roster;
    private final Clock clock;
    private final EnvelopeSigner signer;
    private final Topics topics;
    private final Outbox outbox;
    private final Journal journal;
    private final Map<String, SyncSource> sources;
    private final Map<NodeId, double[]> budgets = new HashMap<>();

    SyncServer(NodeId self, SyncSection settings, Supplier<Roster> roster, Clock clock, EnvelopeSigner signer, Topics topics,
               Outbox outbox, Journal journal, Map<String, SyncSource> sources) {
        this.self = self;
        this.settings = settings;
        this.roster = roster;
        this.clock = clock;
        this.signer = signer;
        this.topics = topics;
        this.outbox = outbox;
        this.journal = journal;
        this.sources = Map.copyOf(sources);
    }

    void onRequest(InboundMessage m) {
        SyncRequest r = (SyncRequest) m.envelope().body();
        NodeId requester = m.envelope().from();
        if (!r.to().equals(self) || requester.equals(self)) {
            journal.rejected("wrong_sync", "a sync request from " + roster.get().label(requester) + " for "
                    + r.to().shortHex());
            return;
        }
        if (!spend(requester)) {
            journal.rejected("sync_rate", roster.get().label(requester) + " asked for more than "
                    + settings.requestsPerMinute() + " pages a minute");
            return;
        }
        SyncSource source = sources.get(r.selector());
        Page page = source == null ? new Page(List.of(), "")
                : page(source.slice(r.since(), Cursor.parse(r.cursor()).key(), settings.pageSize() + 1), r.cursor());
        SyncResponse response = new SyncResponse(requester, r.epoch(), r.selector(), m.envelope().contentId(),
                page.envelopes(), page.next());
        outbox.publish(topics.syncResponse(requester), signer.sign(MessageType.SYNC_RESPONSE, response), false);
    }

    record Page(List<Envelope> envelopes, String next) {
    }

    /**
     * The page after {@code cursor}: whole groups while they fit; a group that does not fit the rest of a
     * page starts the next one, and a group larger than a whole page is split across pages — never cut
     * short, since a dispute's votes are exactly what a node that lost its disk must learn. {@code next}
     * names the last group sent, how many envelopes of it went so far, and how long and of which envelopes
     * the part of it sent is ({@link #cursor}): the next page goes on after that part if the group still
     * starts with it, or sends the group again from its start if it changed meanwhile (a ruling replaced its
     * votes, an activation came). Counts only grow, so successive cursors always do.
     */
    Page page(List<SyncSource.Group> groups, String cursor) {
        return page(new SyncSource.Slice(groups, false), cursor);
    }

    /** As {@link #page(List, String)}, over a slice: one that has more after it goes on after its last group. */
    Page page(SyncSource.Slice slice, String cursor) {
        List<SyncSource.Group> groups = slice.groups();
        Cursor at = Cursor.parse(cursor);
        List<Envelope> page = new ArrayList<>();
        int bytes = PAGE_OVERHEAD;
        String next = "";
        for (SyncSource.Group g : groups) {
            int cmp = at.key().isEmpty() ? 1 : g.key().compareTo(at.key());
            if (cmp < 0 || (cmp == 0 && at.whole())) {
                continue;
            }
            List<Envelope> all = g.envelopes();
            int from = cmp > 0 ? 0 : at.resumeIn(all);
            int sent = cmp > 0 ? 0 : at.count();
            if (from >= all.size()) {
                continue;
            }
            List<Envelope> rest = all.subList(from, all.size());
            int restBytes = rest.stream().mapToInt(e -> e.encode().length + 1).sum();
            boolean fitsHere = page.size() + rest.size() <= settings.pageSize() && bytes + restBytes <= EnvelopeCodec.MAX_BYTES;
            boolean fitsEmpty = rest.size() <= settings.pageSize() && PAGE_OVERHEAD + restBytes <= EnvelopeCodec.MAX_BYTES;
            if (!fitsHere && fitsEmpty && !page.isEmpty()) {
                return new Page(page, next);
            }
            for (int i = from; i < all.size(); i++) {
                Envelope e = all.get(i);
                int size = e.encode().length + 1;
                if (PAGE_OVERHEAD + size > EnvelopeCodec.MAX_BYTES) {
                    LOG.atWarn().addKeyValue("group", g.key()).addKeyValue("bytes", size)
                            .log("sync: an envelope too large for any page is left out");
                } else if (page.size() + 1 > settings.pageSize() || bytes + size > EnvelopeCodec.MAX_BYTES) {
                    return new Page(page, next);
                } else {
                    page.add(e);
                    bytes += size;
                }
                next = cursor(g.key(), ++sent, all.subList(0, i + 1));
            }
        }
        return new Page(page, slice.more() ? next : "");
    }

    /**
     * The cursor after {@code count} envelopes of group {@code key} went out, the group now starting with
     * {@code prefix}: key, count, the prefix's length and a digest of its envelope ids.
     */
    static String cursor(String key, int count, List<Envelope> prefix) {
        return key + "." + String.format(Locale.ROOT, "%06d.%04d.", Math.min(count, 999_999), Math.min(prefix.size(), 9_999))
                + prefixDigest(prefix);
    }

    private static String prefixDigest(List<Envelope> prefix) {
        StringBuilder ids = new StringBuilder();
        prefix.forEach(e -> ids.append(e.contentId()).append('\n'));
        return Hashes.contentId(ids.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    /** A parsed cursor: "" (from the start), a key (after that group), or a key, a count and a sent prefix. */
    private record Cursor(String key, boolean whole, int count, int prefixLength, String digest) {
        static Cursor parse(String cursor) {
            String[] parts = cursor.split("\\.", -1);
            if (parts.length == 4 && parts[1].matches("[0-9]{1,9}") && parts[2].matches("[0-9]{1,9}")) {
                return new Cursor(parts[0], false, Integer.parseInt(parts[1]), Integer.parseInt(parts[2]), parts[3]);
            }
            return new Cursor(parts[0], true, 0, 0, "");
        }

        /** Where to go on in the group as it is now: after the part sent if it still starts the group, else 0. */
        int resumeIn(List<Envelope> group) {
            if (prefixLength <= group.size() && prefixDigest(group.subList(0, prefixLength)).equals(digest)) {
                return prefixLength;
            }
            return 0;
        }
    }

    private boolean spend(NodeId member) {
        long now = clock.millis();
        double perMs = settings.requestsPerMinute() / 60_000.0;
        double[] b = budgets.computeIfAbsent(member, k -> new double[] {settings.requestsPerMinute(), now});
        b[0] = Math.min(settings.requestsPerMinute(), b[0] + Math.max(0, now - (long) b[1]) * perMs);
        b[1] = now;
        if (b[0] < 1) {
            return false;
        }
        b[0] -= 1;
        return true;
    }
}
