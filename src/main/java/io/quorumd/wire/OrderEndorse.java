package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A member's approval of one pending roster request of this epoch, named by its request id (the content id of
 * the request envelope). Published on {@code {p}/order/propose}; the primary puts the endorsements it holds
 * into the batch beside the request, so the commit proof shows the approval.
 */
public record OrderEndorse(long epoch, String requestId) implements Body {
    @Override
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("epoch", epoch);
        o.put("requestId", requestId);
        return o;
    }

    static OrderEndorse parse(ObjectNode body) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        long epoch = f.nonNegative("epoch");
        String requestId = f.contentId("requestId", false);
        f.done();
        return new OrderEndorse(epoch, requestId);
    }
}
