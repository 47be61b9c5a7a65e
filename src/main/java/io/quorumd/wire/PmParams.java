package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.NodeId;
import io.quorumd.pm.ParamsOffer;

/**
 * A recipient's ticket params for one sender ({@code pm.params}, DESIGN §14), published on
 * {@code {p}/pm/to/{sender}}: the core's {@link ParamsOffer} and the epoch it was issued in. The recipient is the
 * envelope's signer, so the wire form is the offer's own JSON {sender, faceValue, winProb, recipientRandHash,
 * seed, expiresAt, maxNonces} plus {@code epoch}; the decoder binds the recipient from the envelope and the core's
 * parser checks every other field (a sender equal to the signer is refused there: a member does not pay itself).
 */
public record PmParams(long epoch, ParamsOffer offer) implements ImpliedSigner {
    /** The node the params are for: the addressee of {@code {p}/pm/to/{sender}}. */
    public NodeId sender() {
        return offer.params().sender();
    }

    @Override
    public NodeId signer() {
        return offer.params().recipient();
    }

    @Override
    public ObjectNode toJson() {
        return PmBodies.withEpoch(offer.toJson(), epoch);
    }

    static PmParams parse(ObjectNode body, NodeId recipient) throws DecodeException {
        long epoch = PmBodies.epoch(body);
        return new PmParams(epoch, ParamsOffer.parse(PmBodies.withoutEpoch(body), recipient));
    }
}
