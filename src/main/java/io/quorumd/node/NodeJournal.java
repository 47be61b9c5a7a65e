package io.quorumd.node;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.arbiter.ArbiterJournal;
import io.quorumd.checkpoint.CheckpointJournal;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.LedgerEntry;
import io.quorumd.loop.InboundMessage;
import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.DisputeRuling;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.Json;
import java.time.Clock;
import java.util.List;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The machines' records, as ledger entries, and their protocol rejects, counted and logged (rate-limited). */
final class NodeJournal implements CheckpointJournal, ArbiterJournal {
    private static final Logger LOG = LoggerFactory.getLogger(NodeJournal.class);

    private final BiFunction<EntryKind, ObjectNode, LedgerEntry> append;
    private final NodeMetrics metrics;
    private final RejectLog rejectLog;

    NodeJournal(BiFunction<EntryKind, ObjectNode, LedgerEntry> append, NodeMetrics metrics, Clock clock) {
        this.append = append;
        this.metrics = metrics;
        this.rejectLog = new RejectLog(LOG, clock);
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
    }

    @Override
    public void rulingStored(DisputeRuling ruling, Envelope envelope) {
        ObjectNode data = Json.object();
        data.put("disputeId", ruling.disputeId());
        data.set("envelope", envelope.toJson());
        append.apply(EntryKind.RULING, data);
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
