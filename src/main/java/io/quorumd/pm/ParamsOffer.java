package io.quorumd.pm;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.NodeId;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Json;
import io.quorumd.wire.JsonFields;

/**
 * What a recipient sends a sender ({@code pm.params}): the ticket params and how many nonces it accepts under
 * them. The recipient is the signer of the envelope, so the body names only the sender:
 * {sender, faceValue, winProb, recipientRandHash, seed, expiresAt, maxNonces}.
 */
public record ParamsOffer(TicketParams params, int maxNonces) {
    /** The most nonces one params may allow; a recipient's configured maxNonces may be lower. */
    public static final int MAX_NONCES = 100_000;

    public ParamsOffer {
        if (maxNonces < 1 || maxNonces > MAX_NONCES) {
            throw new IllegalArgumentException("maxNonces is 1 to " + MAX_NONCES);
        }
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("sender", params.sender().hex());
        PmJson.putTerms(o, params, "expiresAt");
        o.put("maxNonces", maxNonces);
        return o;
    }

    /** Reads a {@code pm.params} body signed by {@code recipient}; strict: a missing or extra field is refused. */
    public static ParamsOffer parse(ObjectNode body, NodeId recipient) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        NodeId sender = f.nodeId("sender");
        TicketParams params = PmJson.terms(f, recipient, sender, "expiresAt");
        long maxNonces = PmJson.ranged(f, "maxNonces", 1);
        f.done();
        try {
            return new ParamsOffer(params, (int) Math.min(maxNonces, Integer.MAX_VALUE));
        } catch (IllegalArgumentException e) {
            throw PmJson.bad("params: " + e.getMessage());
        }
    }
}
