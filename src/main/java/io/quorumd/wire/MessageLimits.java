package io.quorumd.wire;

import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import io.quorumd.pm.TicketBatch;
import io.quorumd.pm.TicketParams;
import io.quorumd.pm.Uint256;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.IntToLongFunction;

/**
 * The largest final checkpoint and ruling a quorum setting can produce, in encoded bytes, measured on
 * worst-case messages: every text at its length bound in characters that escape to six bytes, every number
 * at its widest. A quorum whose smallest decision cannot fit {@link EnvelopeCodec#MAX_BYTES} would make
 * every node publish what every node drops, so {@code config check} refuses it. Sizes grow linearly in the
 * number of votes (tickets, for {@code pm.ticket}); each is measured at 1 and 2 and extended.
 */
public final class MessageLimits {
    private static final long WIDEST = (1L << 53) - 1;
    private static final String ESCAPED = "\u0001";
    private static final NodeKey KEY = NodeKey.fromSeed(new byte[32]);
    private static final String ID = "f".repeat(32);

    private MessageLimits() {
    }

    /** Encoded bytes of a final checkpoint carrying {@code votes} votes and the proposal. */
    public static long checkpointFinalBytes(int votes) {
        return extend(votes, MessageLimits::finalWith);
    }

    /** Encoded bytes of a ruling carrying {@code votes} agreeing votes, the largest open and an activation. */
    public static long rulingBytes(int votes) {
        return extend(votes, MessageLimits::rulingWith);
    }

    /** Encoded bytes of the widest {@code pm.ticket} carrying {@code tickets} tickets. */
    public static long pmTicketBytes(int tickets) {
        return extend(tickets, MessageLimits::ticketsWith);
    }

    /** How many tickets of the widest {@code pm.ticket} fit one message, by size alone (one entry's bytes each). */
    public static int pmTicketsThatFit() {
        long one = pmTicketBytes(1);
        long entry = pmTicketBytes(2) - one;
        return (int) (1 + (EnvelopeCodec.MAX_BYTES - one) / entry);
    }

    /** The most tickets a {@code pm.ticket} may carry: the wire's cap, or fewer if those would not fit a message. */
    public static int maxPmTickets() {
        return Math.min(TicketBatch.MAX_TICKETS, pmTicketsThatFit());
    }

    private static long extend(int votes, IntToLongFunction size) {
        long one = size.applyAsLong(1);
        long two = size.applyAsLong(2);
        return one + (two - one) * (votes - 1L);
    }

    private static long finalWith(int votes) {
        CheckpointTuple t = new CheckpointTuple(ID, WIDEST, WIDEST, WIDEST, WIDEST, ID, 2);
        Envelope vote = sign(MessageType.CHECKPOINT_VOTE, new CheckpointVote(ID, true, t));
        Envelope proposal = sign(MessageType.CHECKPOINT_PROPOSAL, new CheckpointProposal(t));
        return sign(MessageType.CHECKPOINT_FINAL, new CheckpointFinal(t, Collections.nCopies(votes, vote),
                Optional.of(proposal))).encode().length;
    }

    private static long rulingWith(int votes) {
        List<String> evidence = new ArrayList<>();
        for (int i = 0; i < DisputeOpen.MAX_EVIDENCE; i++) {
            evidence.add("e".repeat(64));
        }
        DisputeOpen open = new DisputeOpen(ESCAPED.repeat(DisputeOpen.MAX_SUBJECT), KEY.nodeId(), KEY.nodeId(), WIDEST,
                ESCAPED.repeat(DisputeOpen.MAX_REASON), evidence, WIDEST);
        Envelope vote = sign(MessageType.DISPUTE_VOTE, new DisputeVote(ID, Decision.SELLER,
                ESCAPED.repeat(DisputeVote.MAX_REASON), WIDEST));
        Envelope activation = sign(MessageType.DISPUTE_FALLBACK, new FallbackActivation(ID, WIDEST));
        return sign(MessageType.DISPUTE_RULING, new DisputeRuling(sign(MessageType.DISPUTE_OPEN, open),
                Optional.of(activation), Decision.SELLER, Collections.nCopies(votes, vote))).encode().length;
    }

    private static long ticketsWith(int tickets) {
        TicketParams p = new TicketParams(new NodeId(ID), KEY.nodeId(), WIDEST, Uint256.MAX, Bytes.of(new byte[32]),
                Bytes.of(new byte[TicketParams.SEED_BYTES]), WIDEST);
        TicketBatch batch = new TicketBatch(p, java.util.stream.LongStream.range(0, tickets)
                .mapToObj(i -> new TicketBatch.Entry(WIDEST - i, Bytes.of(new byte[64]))).toList());
        return sign(MessageType.PM_TICKET, new PmTicket(WIDEST, batch)).encode().length;
    }

    /** Signs without the peers' checks: these worst cases are measured, never sent (equal parties included). */
    private static Envelope sign(MessageType type, Body body) {
        long ts = WIDEST;
        return new Envelope(type, KEY.nodeId(), ts, body, KEY.sign(Envelope.signingBytes(type, KEY.nodeId(), ts, body)));
    }
}
