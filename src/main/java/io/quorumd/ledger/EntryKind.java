package io.quorumd.ledger;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The registry of ledger entry kinds, by stable name. A later feature adds its kinds here and nowhere
 * else; {@code ledger show --kind} and replay dispatch on these names.
 */
public enum EntryKind {
    /** A start of this node: its public key, name, the roster in force, the software version. */
    BOOT("boot"),
    /** An orderly stop. */
    SHUTDOWN("shutdown"),
    /** A local fact about a peer (online, offline, restarted, first seen). */
    OBSERVATION("observation"),
    /** A verified message from a peer, as it arrived: {topic, envelope}. */
    ACCEPTED("accepted"),
    /** A message this node signed and is about to publish: {slot, topic, retained, envelope}. */
    SIGNED("signed"),
    /** A valid final checkpoint, this node's own or a peer's: {checkpointId, envelope}. */
    CHECKPOINT("checkpoint"),
    /** A valid arbiter ruling, built here or received: {disputeId, envelope}. */
    RULING("ruling"),
    /** Proof of misbehaviour, e.g. two different signed votes for one proposal: {what, envelopes}. */
    EVIDENCE("evidence"),
    /**
     * A decision this node published and re-publishes until enough peers hold it, or a request it submitted and
     * re-publishes until executed: {decisionId, kind, topic, retained, envelope, createdAt}, and a request's deadline.
     */
    TRACK("track"),
    /** The end of a tracker: {decisionId, reason, copies}. */
    UNTRACK("untrack"),
    /** This ledger completed its first sync with a peer (later starts ask only for recent disputes): {peer}. */
    SYNCED("synced"),
    /**
     * When this ledger began, for signing (DESIGN §13): {freshKey} as it is made (a key that never signed,
     * or not), then {at} once this node's clock agreed with its peers'.
     */
    BEGAN("began"),
    /**
     * The federation state ordering starts from or moved to (DESIGN §12): {epoch, startSeq, roster, lineage,
     * stateDigest}; the first is the anchor, each later one the result of a roster change executed at
     * startSeq - 1.
     */
    EPOCH("epoch"),
    /** A batch executed at seq: {epoch, seq, view, ts, digest, results, committed (batch and commit proof)}. */
    ORDER("order"),
    /** A stable ordering checkpoint: {epoch, seq, stateDigest, checkpoints}; where a restarted replica resumes. */
    ORDER_STABLE("ostable"),
    /** A prepared certificate this replica committed on: {epoch, view, seq, digest, prepares}; kept for view changes. */
    ORDER_PREPARED("oprepared"),
    /**
     * This node's own key rotation executed (DESIGN §12): {from, to (public keys), epoch, seq}. The last entry
     * the old key signs: every later entry, boot entries included, is signed with (and names) the new key.
     */
    REKEY("rekey"),
    /**
     * A step of a winning ticket this node received (DESIGN §14): {ticketId, state won|claimed|settled|refused|expired,
     * sender, faceValue, paramsExpiresAt, requestId (the claim's pm.redeem), reason (a refusal's)}. Never rand.
     */
    TICKET("ticket"),
    /**
     * The tickets this node accepted from one batch (DESIGN §14): {topic, sender, batch}, the batch holding only the
     * accepted tickets, each with the sender's own signature over it (never rand). Not the envelope: a batch padded
     * with refused tickets would cost the ledger the whole message for one ticket.
     */
    TICKETS("tickets"),
    /**
     * What {@code pm pay} still owes one recipient, after the operator asked or paying gave up: {to, owed (EV × 2^256,
     * decimal), stopped (why it gave up, or absent)}. Replay subtracts the batches signed after it, so a restarted
     * node pays on what was left.
     */
    PAYING("paying"),
    /**
     * The end of a group commit in a format-2 segment (DESIGN §8): {from, the first seq it seals}. Its signature
     * over the chain head (its own seq and prevHash) authenticates every entry since the previous seal, which carry
     * none; it is signed by the key in force when its group began (a rotation's {@code rekey} entry is sealed by
     * the old key).
     */
    SEAL("seal");

    private static final Map<String, EntryKind> BY_NAME =
            Stream.of(values()).collect(Collectors.toUnmodifiableMap(EntryKind::wireName, Function.identity()));

    private final String wireName;

    EntryKind(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<EntryKind> ofWireName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /** True for kinds whose data embeds a peer's or this node's signed envelope. */
    public boolean embedsEnvelope() {
        return this == ACCEPTED || this == SIGNED || this == CHECKPOINT || this == RULING;
    }
}
