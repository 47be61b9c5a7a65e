package io.quorumd.delivery;

import io.quorumd.config.QuorumdConfig.SyncSection;
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
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The answering side of sync: one page per request, built from what this node holds — whole groups after the
 * cursor, at most pageSize envelopes and never more bytes than a message may carry — sent to the requester's
 * response topic. A selector this node does not serve (yet: {@code order}) gets an empty last page. Each
 * member may ask requestsPerMinute times a minute (a budget refilled continuously); beyond that a request is a
 * counted refusal and gets no answer. The budgets are bounded by the roster. Loop thread only.
 */
final class SyncServer {
    private static final Logger LOG = LoggerFactory.getLogger(SyncServer.class);
    /** Room left for the response's own fields and signature. */
    static final int PAGE_OVERHEAD = 1024;

    private final NodeId self;
    private final SyncSection settings;
    private final Roster roster;
    private final Clock clock;
    private final EnvelopeSigner signer;
    private final Topics topics;
    private final Outbox outbox;
    private final Journal journal;
    private final Map<String, SyncSource> sources;
    private final Map<NodeId, double[]> budgets = new HashMap<>();

    SyncServer(NodeId self, SyncSection settings, Roster roster, Clock clock, EnvelopeSigner signer, Topics topics,
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
            journal.rejected("wrong_sync", "a sync request from " + roster.label(requester) + " for " + r.to().shortHex());
            return;
        }
        if (!spend(requester)) {
            journal.rejected("sync_rate", roster.label(requester) + " asked for more than "
                    + settings.requestsPerMinute() + " pages a minute");
            return;
        }
        SyncSource source = sources.get(r.selector());
        List<Envelope> page = new ArrayList<>();
        String next = "";
        if (source != null) {
            int bytes = PAGE_OVERHEAD;
            List<SyncSource.Group> groups = source.groups(r.since()).stream()
                    .filter(g -> r.cursor().isEmpty() || g.key().compareTo(r.cursor()) > 0).toList();
            for (int i = 0; i < groups.size(); i++) {
                SyncSource.Group g = groups.get(i);
                int size = g.envelopes().stream().mapToInt(e -> e.encode().length + 1).sum();
                boolean fits = page.size() + g.envelopes().size() <= settings.pageSize()
                        && bytes + size <= EnvelopeCodec.MAX_BYTES;
                if (!fits && !page.isEmpty()) {
                    next = groups.get(i - 1).key();
                    break;
                }
                if (!fits) { // a group too large for any page: send what fits of it, then go past it
                    for (Envelope e : g.envelopes()) {
                        int s = e.encode().length + 1;
                        if (page.size() + 1 > settings.pageSize() || bytes + s > EnvelopeCodec.MAX_BYTES) {
                            break;
                        }
                        page.add(e);
                        bytes += s;
                    }
                    LOG.atWarn().addKeyValue("group", g.key()).addKeyValue("sent", page.size())
                            .addKeyValue("of", g.envelopes().size()).log("sync: a group larger than one page was cut");
                    next = i + 1 < groups.size() ? g.key() : "";
                    break;
                }
                page.addAll(g.envelopes());
                bytes += size;
            }
        }
        SyncResponse response = new SyncResponse(requester, r.epoch(), r.selector(), m.envelope().contentId(), page, next);
        outbox.publish(topics.syncResponse(requester), signer.sign(MessageType.SYNC_RESPONSE, response), false);
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
