package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A subject's signed self-attestation, published on {@code {p}/checkpoint/propose}. */
public record CheckpointProposal(CheckpointTuple tuple) implements Body {
    @Override
    public ObjectNode toJson() {
        return tuple.toJson();
    }

    static CheckpointProposal parse(ObjectNode body) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        CheckpointTuple t = CheckpointTuple.read(f);
        f.done();
        return new CheckpointProposal(t);
    }
}
