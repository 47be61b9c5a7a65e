package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The seam between the pm bodies and the core's JSON shapes ({@code io.quorumd.pm}): the wire adds {@code epoch}
 * to the core's object; the core's strict parser reads everything else, and refuses anything extra.
 */
final class PmBodies {
    private PmBodies() {
    }

    /** The body's epoch (present, an integer, not negative); the other fields are left for the core to check. */
    static long epoch(ObjectNode body) throws DecodeException {
        return new JsonFields(body, "body").nonNegative("epoch");
    }

    /** A shallow copy of the body without {@code epoch}: what the core's parser reads. */
    static ObjectNode withoutEpoch(ObjectNode body) {
        ObjectNode rest = Json.object();
        rest.setAll(body);
        rest.remove("epoch");
        return rest;
    }

    /** The core's object with {@code epoch} added: the wire form. */
    static ObjectNode withEpoch(ObjectNode core, long epoch) {
        core.put("epoch", epoch);
        return core;
    }
}
