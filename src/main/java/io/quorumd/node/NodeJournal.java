package io.quorumd.node;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.arbiter.ArbiterJournal;
import io.quorumd.checkpoint.CheckpointJournal;
import io.quorumd.crypto.NodeId;
import io.quorumd.delivery.DeliveryJournal;
import io.quorumd.delivery.Responder;
import io.quorumd.delivery.Tracker;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.LedgerEntry;
import io.quorumd.loop.InboundMessage;
import io.quorumd.presence.PeerTransition;
import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.DisputeRuling;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.Json;
import io.quorumd.wire.Topics;
import java.time.Clock;
import java.util.List;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The machines' records, as ledger entries, and their protocol rejects, counted and logged (rate-limited).
 * Every decision stored or seen again goes on to the responder: tracked when this node published it,
 * acknowledged to its publisher otherwise.
 */
final class NodeJournal implements CheckpointJournal, ArbiterJournal, DeliveryJournal {
    private static final Logger LOG = LoggerFactory.getLogger(NodeJournal.class);

    private final BiFunction<EntryKind, ObjectNode, LedgerEntry> append;
    private final NodeMetrics metrics;
    private final RejectLog rejectLog;
    private final NodeId self;
    private final Topics topics;
    private Responder responder;

    NodeJournal(BiFunction<EntryKind, ObjectNode, LedgerEntry> append, NodeMetrics metrics, Clock clock, NodeId self,
                Topics topics) {
        this.append = append;
        this.metrics = metrics;
        this.rejectLog = new RejectLog(LOG, clock);
        this.self = self;
        this.topics = topics;
    }

    /** The responder that decisions go on to (none when it is off). */
    void deliverTo(Responder r) {
        this.responder = r;
    }

    private void decision(Envelope envelope, String topic, boolean retained) {
        if (responder == null) {
            return;
        }
        if (envelope.from().equals(self)) {
            responder.track(envelope, topic, retained);
        } else {
            responder.held(envelope);
        }
    }

    @Override
    public void decisionSeen(Envelope envelope) {
        if (responder != null) {
            responder.held(envelope);
        }
    }

    @Override
    public void track(Tracker t) {
        ObjectNode data = Json.object();
        data.put("decisionId", t.id());
        data.put("kind", t.kind());
        data.put("topic", t.topic());
        data.put("retained", t.retained());
        data.set("envelope", t.envelope().toJson());
        data.put("createdAt", t.createdAt());
        if (t.isRequest()) {
            data.put("deadline", t.deadline());
        }
        append.apply(EntryKind.TRACK, data);
    }

    @Override
    public void untrack(String decisionId, String reason, int copies) {
        ObjectNode data = Json.object();
        data.put("decisionId", decisionId);
        data.put("reason", reason);
        data.put("copies", copies);
        append.apply(EntryKind.UNTRACK, data);
    }

    /** The data of an {@code observation} entry: a peer went online, offline or restarted. */
    static ObjectNode observation(PeerTransition t) {
        ObjectNode data = Json.object();
        data.put("peer", t.peer().hex());
        data.put("name", t.name());
        data.put("event", t.kind().name().toLowerCase(java.util.Locale.ROOT));
        data.put("cause", t.cause());
        data.put("peerStartedAt", t.peerStartedAt());
        data.put("at", t.at());
        return data;
    }

    @Override
    public void accepted(InboundMessage message) {
        ObjectNode data = Json.object();
        data.put("topic", message.topic());
        data.set("envelope", message.envelope().toJson());
        append.apply(EntryKind.ACCEPTED, data);
    }

    @Override
    public void finalStored(CheckpointFinal checkpoint, Envelope envelope) {
        ObjectNode data = Json.object();
        data.put("checkpointId", checkpoint.checkpointId());
        data.set("envelope", envelope.toJson());
        append.apply(EntryKind.CHECKPOINT, data);
        decision(envelope, topics.checkpointFinal(checkpoint.tuple().subjectId()), true);
    }

    @Override
    public void rulingStored(DisputeRuling ruling, Envelope envelope) {
        ObjectNode data = Json.object();
        data.put("disputeId", ruling.disputeId());
        data.set("envelope", envelope.toJson());
        append.apply(EntryKind.RULING, data);
        decision(envelope, topics.arbiterFinal(), false);
    }

    @Override
    public void evidence(String what, List<Envelope> envelopes) {
        ObjectNode data = Json.object();
        data.put("what", what);
        ArrayNode list = data.putArray("envelopes");
        envelopes.forEach(e -> list.add(e.toJson()));
        append.apply(EntryKind.EVIDENCE, data);
        LOG.atWarn().addKeyValue("what", what).addKeyValue("signer", envelopes.get(0).from().shortHex())
                .log("equivocation evidence recorded");
    }

    @Override
    public void rejected(String reason, String detail) {
        metrics.protocolRejected(reason);
        rejectLog.warn(reason, metrics.protocolRejects(reason), null, detail);
    }
}
