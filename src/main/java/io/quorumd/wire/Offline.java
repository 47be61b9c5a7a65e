package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A node's signed "I am gone" for the run that started at {@code startedAt}: published on shutdown, and
 * registered with the broker as the last will (reason {@code lost}) at every connect.
 */
public record Offline(long startedAt, Reason reason) implements Body {
    public enum Reason {
        SHUTDOWN("shutdown"),
        LOST("lost");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }

        static Reason ofCode(String code) throws DecodeException {
            for (Reason r : values()) {
                if (r.code.equals(code)) {
                    return r;
                }
            }
            throw new DecodeException(RejectReason.BAD_VALUE, "body.reason must be shutdown or lost");
        }
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("startedAt", startedAt);
        o.put("reason", reason.code());
        return o;
    }

    static Offline parse(ObjectNode body) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        Offline off = new Offline(f.nonNegative("startedAt"), Reason.ofCode(f.text("reason")));
        f.done();
        return off;
    }
}
