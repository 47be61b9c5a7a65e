package io.quorumd.ledger;

import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.Ed25519;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.InboundVerifier;
import io.quorumd.wire.Roster;
import java.util.Optional;

/**
 * The {@code --full} checks, from the ledger alone: the first entry is a boot entry; every boot entry
 * names the same node key; every entry's signature verifies with it; every embedded envelope verifies
 * against the roster of the latest boot entry before it (and a {@code signed} one is from this node);
 * every stored checkpoint passes the checkpoint validator with that boot entry's quorum.
 */
public final class FullVerifier implements EntryVisitor {
    /** How far ahead of the entry's own time a checkpoint's asOf may be (clock skew between nodes). */
    static final long SKEW_MS = 5 * 60_000;
    private Bytes nodeKey;
    private Roster roster;
    private int minVoters;
    private BootRecord.Policy arbiter;
    private long signaturesChecked;

    @Override
    public Optional<String> visit(LedgerEntry entry, byte[] payload) {
        if (entry.kind() == EntryKind.BOOT) {
            BootRecord boot;
            try {
                boot = BootRecord.parse(entry.data());
            } catch (DecodeException e) {
                return Optional.of("boot entry does not parse: " + e.getMessage());
            }
            if (nodeKey != null && !nodeKey.equals(boot.publicKey())) {
                return Optional.of("boot entry names another node key than the first boot entry");
            }
            nodeKey = boot.publicKey();
            roster = boot.roster();
            minVoters = boot.checkpointMinVoters();
            arbiter = boot.arbiter();
        } else if (nodeKey == null) {
            return Optional.of("entry before the first boot entry: no key to check it against");
        }
        signaturesChecked++;
        if (!Ed25519.verify(nodeKey, entry.signingBytes(), entry.sig())) {
            return Optional.of("entry signature does not verify");
        }
        if (entry.kind().embedsEnvelope()) {
            return checkEnvelope(entry);
        }
        return Optional.empty();
    }

    private Optional<String> checkEnvelope(LedgerEntry entry) {
        Envelope env;
        try {
            env = entry.envelope();
        } catch (DecodeException e) {
            return Optional.of("embedded envelope does not parse: " + e.getMessage());
        }
        signaturesChecked++;
        InboundVerifier.Verdict verdict = new InboundVerifier(roster).verify(env);
        if (verdict instanceof InboundVerifier.Verdict.Rejected r) {
            return Optional.of("embedded " + env.type().wireName() + ": " + r.reason().code() + " (" + r.detail() + ")");
        }
        if (entry.kind() == EntryKind.SIGNED && !env.from().equals(io.quorumd.crypto.NodeId.of(nodeKey))) {
            return Optional.of("signed entry holds an envelope from another node");
        }
        if (entry.kind() == EntryKind.RULING) {
            if (!(env.body() instanceof io.quorumd.wire.DisputeRuling r)) {
                return Optional.of("ruling entry holds a " + env.type().wireName());
            }
            signaturesChecked += r.votes().size() + 1 + (r.fallback().isPresent() ? 1 : 0);
            try {
                var policy = io.quorumd.arbiter.ArbiterPolicy.of(roster, arbiter.required(), arbiter.votingTimeoutMs(),
                        arbiter.fallbackExtensionMs(), arbiter.skewMs());
                return io.quorumd.arbiter.RulingValidator.validate(r, roster, policy)
                        .map(reason -> "ruling " + r.disputeId() + ": " + reason);
            } catch (IllegalArgumentException e) {
                return Optional.of("ruling under a boot entry without arbitration: " + e.getMessage());
            }
        }
        if (entry.kind() == EntryKind.CHECKPOINT) {
            if (!(env.body() instanceof io.quorumd.wire.CheckpointFinal f)) {
                return Optional.of("checkpoint entry holds a " + env.type().wireName());
            }
            signaturesChecked += f.votes().size() + (f.proposal().isPresent() ? 1 : 0);
            return io.quorumd.checkpoint.CheckpointValidator.validate(f, roster, minVoters, entry.ts(), SKEW_MS)
                    .map(reason -> "checkpoint " + f.checkpointId() + ": " + reason);
        }
        return Optional.empty();
    }

    public long signaturesChecked() {
        return signaturesChecked;
    }
}
