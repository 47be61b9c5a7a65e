package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.NodeId;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Every message type on the wire, by its stable name, with the strict parser of its body. */
public enum MessageType {
    PRESENCE_HEARTBEAT("presence.heartbeat", Heartbeat.class, Heartbeat::parse),
    PRESENCE_OFFLINE("presence.offline", Offline.class, Offline::parse),
    CHECKPOINT_PROPOSAL("checkpoint.proposal", CheckpointProposal.class, CheckpointProposal::parse),
    CHECKPOINT_VOTE("checkpoint.vote", CheckpointVote.class, CheckpointVote::parse),
    CHECKPOINT_FINAL("checkpoint.final", CheckpointFinal.class, CheckpointFinal::parse),
    DISPUTE_OPEN("arbiter.open", DisputeOpen.class, DisputeOpen::parse),
    DISPUTE_FALLBACK("arbiter.fallback", FallbackActivation.class, FallbackActivation::parse),
    DISPUTE_VOTE("arbiter.vote", DisputeVote.class, DisputeVote::parse),
    DISPUTE_RULING("arbiter.ruling", DisputeRuling.class, DisputeRuling::parse),
    SYNC_REQUEST("sync.request", SyncRequest.class, SyncRequest::parse),
    SYNC_RESPONSE("sync.response", SyncResponse.class, SyncResponse::parse),
    RESPONDER_ACK("resp.ack", ResponderAck.class, ResponderAck::parse),
    ORDER_REQUEST("order.request", OrderRequest.class, OrderRequest::parse),
    ORDER_ENDORSE("order.endorse", OrderEndorse.class, OrderEndorse::parse),
    ORDER_PREPREPARE("order.preprepare", OrderPreprepare.class, OrderPreprepare::parse),
    ORDER_PREPARE("order.prepare", OrderVote.class, OrderVote::parse),
    ORDER_COMMIT("order.commit", OrderVote.class, OrderVote::parse),
    ORDER_CHECKPOINT("order.checkpoint", OrderCheckpoint.class, OrderCheckpoint::parse),
    ORDER_VIEWCHANGE("order.viewchange", OrderViewChange.class, OrderViewChange::parse),
    ORDER_VIEWPROOF("order.viewproof", OrderViewProof.class, OrderViewProof::parse),
    ORDER_NEWVIEW("order.newview", OrderNewView.class, OrderNewView::parse),
    ORDER_FETCH("order.fetch", OrderFetch.class, OrderFetch::parse),
    ORDER_COMMITTED("order.committed", OrderCommitted.class, OrderCommitted::parse),
    PM_PARAMS_REQUEST("pm.paramsRequest", PmParamsRequest.class, PmParamsRequest::parse),
    PM_PARAMS("pm.params", PmParams.class, PmParams::parse),
    PM_TICKET("pm.ticket", PmTicket.class, PmTicket::parse);

    /** Parses one message body, refusing missing, extra or wrongly typed fields. */
    @FunctionalInterface
    interface BodyParser {
        Body parse(ObjectNode body) throws DecodeException;
    }

    /** Parses the body of an {@link ImpliedSigner} type, binding the envelope's signer into it. */
    @FunctionalInterface
    interface SignerBodyParser {
        Body parse(ObjectNode body, NodeId signer) throws DecodeException;
    }

    private static final Map<String, MessageType> BY_NAME =
            Stream.of(values()).collect(Collectors.toUnmodifiableMap(MessageType::wireName, Function.identity()));

    private final String wireName;
    private final Class<? extends Body> bodyClass;
    private final SignerBodyParser parser;

    MessageType(String wireName, Class<? extends Body> bodyClass, BodyParser parser) {
        this.wireName = wireName;
        this.bodyClass = bodyClass;
        this.parser = (body, signer) -> parser.parse(body);
    }

    MessageType(String wireName, Class<? extends Body> bodyClass, SignerBodyParser parser) {
        if (!ImpliedSigner.class.isAssignableFrom(bodyClass)) {
            throw new IllegalStateException(wireName + ": a body parsed with its signer must be an ImpliedSigner");
        }
        this.wireName = wireName;
        this.bodyClass = bodyClass;
        this.parser = parser;
    }

    public Class<? extends Body> bodyClass() {
        return bodyClass;
    }

    public String wireName() {
        return wireName;
    }

    /** Parses a body signed by {@code signer} (bound into {@link ImpliedSigner} bodies, unused by the others). */
    Body parseBody(ObjectNode body, NodeId signer) throws DecodeException {
        return parser.parse(body, signer);
    }

    /**
     * A body built on this node, put through exactly the checks a peer's decoder applies to it (canonical
     * form, field bounds, cross-field rules): this node never signs what its peers would refuse. An
     * {@link ImpliedSigner} body is parsed with the signer it names, as a peer would bind it.
     */
    public <B extends Body> B checked(B body) throws DecodeException {
        if (!bodyClass.isInstance(body)) {
            throw new IllegalArgumentException(wireName + " needs a " + bodyClass.getSimpleName() + " body");
        }
        ObjectNode json = body.toJson();
        EnvelopeCodec.requireCanonical(json, "body");
        parser.parse(json, body instanceof ImpliedSigner s ? s.signer() : null);
        return body;
    }

    static MessageType ofWireName(String name) throws DecodeException {
        MessageType type = BY_NAME.get(name);
        if (type == null) {
            throw new DecodeException(RejectReason.UNKNOWN_TYPE, "unknown message type " + name);
        }
        return type;
    }
}
