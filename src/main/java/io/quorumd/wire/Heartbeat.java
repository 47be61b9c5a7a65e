package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A node's signed "I am alive": its process start time (epoch ms) and a sequence number that grows by
 * one per heartbeat within that start. Retained on {@code {p}/presence/{nodeId}}.
 */
public record Heartbeat(long startedAt, long seq) implements Body {
    @Override
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("startedAt", startedAt);
        o.put("seq", seq);
        return o;
    }

    static Heartbeat parse(ObjectNode body) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        Heartbeat hb = new Heartbeat(f.nonNegative("startedAt"), f.nonNegative("seq"));
        f.done();
        return hb;
    }
}
