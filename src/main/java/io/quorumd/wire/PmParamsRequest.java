package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.NodeId;

/**
 * A sender asks {@code recipient} for ticket params ({@code pm.paramsRequest}, DESIGN §14), published on
 * {@code {p}/pm/to/{recipient}}. The sender is the envelope's signer. {@code requestedAt} is the sender's clock
 * when it asked; the recipient answers with {@link PmParams} on the sender's own topic.
 */
public record PmParamsRequest(NodeId recipient, long epoch, long requestedAt) implements Body {
    @Override
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("recipient", recipient.hex());
        o.put("epoch", epoch);
        o.put("requestedAt", requestedAt);
        return o;
    }

    static PmParamsRequest parse(ObjectNode body) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        PmParamsRequest r = new PmParamsRequest(f.nodeId("recipient"), f.nonNegative("epoch"), f.nonNegative("requestedAt"));
        f.done();
        return r;
    }
}
