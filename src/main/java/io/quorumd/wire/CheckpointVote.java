package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A voter's signed answer to one proposal ({@code proposalId}, the content id of the proposal envelope):
 * the proposer's values if within tolerance ({@code approve}), else its own — always with the voter's own
 * previousCheckpointId and the proposal's asOf and round. Published on {@code {p}/checkpoint/vote/{subject}}.
 */
public record CheckpointVote(String proposalId, boolean approve, CheckpointTuple tuple) implements Body {
    @Override
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("proposalId", proposalId);
        o.put("approve", approve);
        tuple.writeTo(o);
        return o;
    }

    static CheckpointVote parse(ObjectNode body) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        String proposalId = f.contentId("proposalId", false);
        boolean approve = f.bool("approve");
        CheckpointTuple t = CheckpointTuple.read(f);
        f.done();
        return new CheckpointVote(proposalId, approve, t);
    }
}
