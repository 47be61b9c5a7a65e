package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A signed request to let the fallback arbiters vote on a dispute whose primaries are silent past the
 * midpoint. Published on {@code {p}/arbiter/propose}.
 */
public record FallbackActivation(String disputeId, long activatedAt) implements Body {
    @Override
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("disputeId", disputeId);
        o.put("activatedAt", activatedAt);
        return o;
    }

    static FallbackActivation parse(ObjectNode body) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        String id = f.contentId("disputeId", false);
        FallbackActivation a = new FallbackActivation(id, f.nonNegative("activatedAt"));
        f.done();
        return a;
    }
}
