package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.NodeId;
import io.quorumd.pm.TicketBatch;

/**
 * A sender's tickets under one params ({@code pm.ticket}, DESIGN §14), published on {@code {p}/pm/to/{recipient}}:
 * the core's {@link TicketBatch} and the epoch it was sent in. The sender is the envelope's signer, so the wire
 * form is the batch's own JSON {recipient, faceValue, winProb, recipientRandHash, seed, paramsExpiresAt,
 * tickets: [{senderNonce, sig}]} plus {@code epoch}; the decoder binds the sender from the envelope and the core's
 * parser checks every other field, 1 to {@link TicketBatch#MAX_TICKETS} tickets. Each ticket's {@code sig} is the
 * sender's signature over that ticket, not the envelope's.
 */
public record PmTicket(long epoch, TicketBatch batch) implements ImpliedSigner {
    /** The node the tickets pay: the addressee of {@code {p}/pm/to/{recipient}}. */
    public NodeId recipient() {
        return batch.params().recipient();
    }

    @Override
    public NodeId signer() {
        return batch.params().sender();
    }

    @Override
    public ObjectNode toJson() {
        return PmBodies.withEpoch(batch.toJson(), epoch);
    }

    static PmTicket parse(ObjectNode body, NodeId sender) throws DecodeException {
        long epoch = PmBodies.epoch(body);
        return new PmTicket(epoch, TicketBatch.parse(PmBodies.withoutEpoch(body), sender));
    }
}
