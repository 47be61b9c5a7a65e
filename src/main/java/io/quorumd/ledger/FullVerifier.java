package io.quorumd.ledger;

import io.quorumd.arbiter.ArbiterPolicy;
import io.quorumd.arbiter.RulingValidator;
import io.quorumd.checkpoint.CheckpointValidator;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.Ed25519;
import io.quorumd.crypto.Hashes;
import io.quorumd.crypto.NodeId;
import io.quorumd.order.CommitProofValidator;
import io.quorumd.order.EpochChain;
import io.quorumd.order.FederationState;
import io.quorumd.order.ReplicaSet;
import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.DisputeRuling;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.InboundVerifier;
import io.quorumd.wire.OrderCommitted;
import io.quorumd.wire.Roster;
import java.util.Optional;

/**
 * The {@code --full} checks, from the ledger alone, and the start-up verification: the first entry is a
 * boot entry; every boot entry names the node key in force (the first boot entry's, until a {@code rekey}
 * entry that the ordered state's lineage backs moves it to the rotated key); every format-1 entry's signature
 * verifies with the key in force when it was written, and every seal's (format 2) with the key in force when its
 * group began, which authenticates the group through the hash chain (the scanner hands a group over only with
 * its seal); every
 * embedded envelope verifies against the roster of the latest boot entry before it (the rules in force
 * when it was stored, never today's config), and a {@code signed} one is from this node; every stored
 * checkpoint and ruling passes its one validator under that boot entry's rules; every {@code order} entry's
 * commit proof stands under its epoch, and every later {@code epoch} entry is the state the {@code order}
 * entries since the anchor build ({@link EpochChain}).
 * <p>
 * Start-up skips the signature and message checks of entries a {@link VerifiedMark} covers (they were
 * verified at an earlier start), but still follows boot entries, so {@link #era()} is always the boot
 * entry in force.
 */
public final class FullVerifier implements EntryVisitor {
    private final Optional<VerifiedMark> trusted;
    private Bytes nodeKey;
    private BootRecord era;
    private ReplicaSet orderedSet;
    private FederationState orderedState;
    private final EpochChain chain = new EpochChain();
    /** The anchor's lineage: rotations made before this ledger began back no rekey entry of it. */
    private java.util.Map<NodeId, NodeId> anchorLineage = java.util.Map.of();
    private ArbiterPolicy eraPolicy;
    private long signaturesChecked;
    /** Inside a sealed group (format 2), and the key in force when it began (null before the first boot). */
    private boolean inGroup;
    private Bytes groupKey;
    /** The group holds this node's {@code rekey} entry: nothing but its seal may follow. */
    private boolean rekeyed;

    /** Checks every entry (as {@code ledger verify --full} does). */
    public FullVerifier() {
        this(Optional.empty());
    }

    /** Checks the entries after {@code trusted}, and that the entry at its seq has its hash. */
    public FullVerifier(Optional<VerifiedMark> trusted) {
        this.trusted = trusted;
    }

    @Override
    public Optional<String> visit(LedgerEntry entry, byte[] payload) {
        Envelope env = null;
        if (entry.kind().embedsEnvelope()) {
            try {
                env = entry.envelope();
            } catch (DecodeException e) {
                return Optional.of("embedded envelope does not parse: " + e.getMessage());
            }
        }
        return check(entry, payload, env);
    }

    /** The checks of one entry whose embedded envelope (or null) the caller already decoded. */
    public Optional<String> check(LedgerEntry entry, byte[] payload, Envelope env) {
        Bytes sealKey = null;
        if (!entry.signed() && !inGroup) {
            inGroup = true; // the first entry of a sealed group: its seal is signed by the key in force now
            groupKey = nodeKey;
        } else if (entry.kind() == EntryKind.SEAL) {
            sealKey = inGroup ? groupKey : nodeKey;
            inGroup = false;
            groupKey = null;
            rekeyed = false;
        } else if (rekeyed) {
            return Optional.of("an entry after the rekey entry in its group: the old key's seal would cover what only"
                    + " the new key may sign");
        }
        if (inGroup && entry.kind() == EntryKind.REKEY) {
            rekeyed = true;
        }
        if (entry.kind() == EntryKind.BOOT) {
            Optional<String> problem = enterEra(entry);
            if (problem.isPresent()) {
                return problem;
            }
            if (inGroup && groupKey == null) {
                groupKey = nodeKey; // the ledger's first group: its first boot entry names the key that seals it
            }
        } else if (nodeKey == null) {
            return Optional.of("entry before the first boot entry: no key to check it against");
        }
        OrderCommitted committed = null;
        if (entry.kind() == EntryKind.ORDER) {
            try {
                committed = OrderCommitted.fromJson(entry.data().get("committed"));
            } catch (DecodeException e) {
                return Optional.of("order entry does not parse: " + e.getMessage());
            }
        }
        if (entry.kind() == EntryKind.EPOCH || entry.kind() == EntryKind.ORDER) {
            Optional<String> problem = entry.kind() == EntryKind.EPOCH ? enterEpoch(entry) : followOrder(entry, committed);
            if (problem.isPresent()) {
                return problem;
            }
        }
        if (trusted.isPresent() && entry.seq() <= trusted.get().seq()) {
            if (entry.seq() == trusted.get().seq() && !Hashes.sha256(payload).hex().equals(trusted.get().hash())) {
                return Optional.of("this entry differs from the one verified at an earlier start (ledger/"
                        + VerifiedMark.FILE + " names another hash): the ledger was changed since");
            }
            return entry.kind() == EntryKind.REKEY ? enterKey(entry) : Optional.empty();
        }
        if (entry.kind() == EntryKind.SEAL) {
            signaturesChecked++;
            return Ed25519.verify(sealKey, entry.signingBytes(), entry.sig()) ? Optional.empty()
                    : Optional.of("seal signature does not verify: the entries from seq " + entry.data().get("from")
                            + " are not the ones this node's key sealed");
        }
        if (entry.signed()) {
            signaturesChecked++;
            if (!Ed25519.verify(nodeKey, entry.signingBytes(), entry.sig())) {
                return Optional.of("entry signature does not verify");
            }
        }
        if (entry.kind() == EntryKind.REKEY) {
            return enterKey(entry);
        }
        if (entry.kind() == EntryKind.ORDER) {
            return checkOrder(committed);
        }
        return env == null ? Optional.empty() : checkEnvelope(entry, env);
    }

    private Optional<String> enterEra(LedgerEntry entry) {
        BootRecord boot;
        try {
            boot = BootRecord.parse(entry.data());
        } catch (DecodeException e) {
            return Optional.of("boot entry does not parse: " + e.getMessage());
        }
        if (nodeKey != null && !nodeKey.equals(boot.publicKey())) {
            return Optional.of("boot entry names another node key than the one in force (" + nodeKey.base64() + ")");
        }
        if (boot.epoch() != BootRecord.NOT_ORDERING && orderedSet != null && boot.epoch() != orderedSet.epoch()) {
            return Optional.of("boot entry names epoch " + boot.epoch() + ", but the ledger's ordering is in epoch "
                    + orderedSet.epoch());
        }
        nodeKey = boot.publicKey();
        era = boot;
        eraPolicy = boot.arbiterPolicy(roster()).orElse(null);
        return Optional.empty();
    }

    /**
     * An {@code epoch} entry: from here on the roster in force is the ordered one (DESIGN §12), whatever a
     * later boot entry's YAML roster says.
     */
    private Optional<String> enterEpoch(LedgerEntry entry) {
        try {
            FederationState state = FederationState.fromJson(entry.data().get("state"));
            if (chain.state() == null) {
                anchorLineage = state.lineage();
            }
            Optional<String> broken = chain.epoch(state);
            if (broken.isPresent()) {
                return broken;
            }
            orderedState = state;
            orderedSet = new ReplicaSet(state.epoch(), state.roster());
            if (era != null) {
                eraPolicy = era.arbiterPolicy(state.roster()).orElse(null);
            }
            return Optional.empty();
        } catch (DecodeException e) {
            return Optional.of("epoch entry does not parse: " + e.getMessage());
        }
    }

    /** An executed batch: the chain of states from the anchor executes it (its proof is checked below). */
    private Optional<String> followOrder(LedgerEntry entry, OrderCommitted c) {
        return chain.order(c, EpochChain.applied(entry.data()));
    }

    /**
     * An executed batch: its commit proof stands under the epoch the latest {@code epoch} entry before it names
     * (q of that epoch's replicas, each with its key of that epoch, over the digest of the stored items).
     */
    private Optional<String> checkOrder(OrderCommitted c) {
        if (orderedSet == null) {
            return Optional.of("order entry before any epoch entry");
        }
        signaturesChecked += c.commits().size();
        return CommitProofValidator.commits(orderedSet, c).map(why -> "order entry for seq " + c.seq() + ": " + why);
    }

    /**
     * A {@code rekey} entry (its signature with the old key already checked): the latest epoch entry's lineage
     * must lead from the key in force to the entry's new key, which that epoch's roster must list, by a rotation
     * a stored batch executed (not one the anchor holds already); from here on the new key is in force.
     */
    private Optional<String> enterKey(LedgerEntry entry) {
        if (orderedState == null) {
            return Optional.of("rekey entry before any epoch entry");
        }
        Bytes from;
        Bytes to;
        try {
            from = Bytes.fromBase64(entry.data().path("from").asText());
            to = Bytes.fromBase64(entry.data().path("to").asText());
        } catch (IllegalArgumentException e) {
            return Optional.of("rekey entry: keys are not base64");
        }
        if (!from.equals(nodeKey)) {
            return Optional.of("rekey entry rotates from " + from.base64() + ", not from the key in force");
        }
        if (entry.data().path("epoch").asLong(-1) != orderedState.epoch()) {
            return Optional.of("rekey entry names epoch " + entry.data().path("epoch").asText() + ", not the epoch in force ("
                    + orderedState.epoch() + ")");
        }
        NodeId fromId = NodeId.of(from);
        NodeId toId = NodeId.of(to);
        if (!toId.equals(orderedState.lineage().get(fromId)) || anchorLineage.containsKey(fromId)
                || orderedState.roster().byId(toId).filter(m -> m.publicKey().equals(to)).isEmpty()) {
            return Optional.of("rekey entry to " + to.base64() + ": epoch " + orderedState.epoch()
                    + " has no rotation of this node to that key");
        }
        nodeKey = to;
        return Optional.empty();
    }

    /**
     * The states followed so far: start-up replay reads ordering's state from it rather than executing every batch a
     * second time.
     */
    public EpochChain chain() {
        return chain;
    }

    /** The key this ledger's next entry must be signed with (null before the first boot entry). */
    public Bytes keyInForce() {
        return nodeKey;
    }

    /** The roster messages stored now are judged by: the ordered one once ordering began, else the boot entry's. */
    public Roster roster() {
        return orderedState != null ? orderedState.roster() : era.roster();
    }

    private Optional<String> checkEnvelope(LedgerEntry entry, Envelope env) {
        signaturesChecked++;
        InboundVerifier.Verdict verdict = new InboundVerifier(roster()).verify(env);
        if (verdict instanceof InboundVerifier.Verdict.Rejected r) {
            return Optional.of("embedded " + env.type().wireName() + ": " + r.reason().code() + " (" + r.detail() + ")");
        }
        if (entry.kind() == EntryKind.SIGNED && !env.from().equals(NodeId.of(nodeKey))) {
            return Optional.of("signed entry holds an envelope from another node");
        }
        if (entry.kind() == EntryKind.RULING) {
            if (!(env.body() instanceof DisputeRuling r)) {
                return Optional.of("ruling entry holds a " + env.type().wireName());
            }
            if (eraPolicy == null) {
                return Optional.of("ruling under a boot entry whose roster names no arbiters");
            }
            signaturesChecked += r.votes().size() + 1 + (r.fallback().isPresent() ? 1 : 0);
            return RulingValidator.validate(r, eraPolicy).map(reason -> "ruling " + r.disputeId() + ": " + reason);
        }
        if (entry.kind() == EntryKind.CHECKPOINT) {
            if (!(env.body() instanceof CheckpointFinal f)) {
                return Optional.of("checkpoint entry holds a " + env.type().wireName());
            }
            signaturesChecked += f.votes().size() + (f.proposal().isPresent() ? 1 : 0);
            return CheckpointValidator.validate(f, roster(), era.checkpointMinVoters(), entry.ts(),
                    era.arbiter().skewMs()).map(reason -> "checkpoint " + f.checkpointId() + ": " + reason);
        }
        return Optional.empty();
    }

    /** The boot entry in force at the last entry visited (null before the first). */
    public BootRecord era() {
        return era;
    }

    /** The arbitration rules of {@link #era()}, or empty if its roster names no arbiters. */
    public Optional<ArbiterPolicy> eraPolicy() {
        return Optional.ofNullable(eraPolicy);
    }

    public long signaturesChecked() {
        return signaturesChecked;
    }
}
