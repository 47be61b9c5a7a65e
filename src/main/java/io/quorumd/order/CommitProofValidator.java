package io.quorumd.order;

import io.quorumd.crypto.Ed25519;
import io.quorumd.crypto.NodeId;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.Member;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderBatch;
import io.quorumd.wire.OrderCheckpoint;
import io.quorumd.wire.OrderCommitted;
import io.quorumd.wire.OrderItem;
import io.quorumd.wire.OrderVote;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The one certificate rule of ordering, used live, on sync and offline: at least q envelopes of the right
 * type, each from a distinct replica of the epoch, each verifying with that member's key, all for the same
 * (epoch, view, seq, digest) — or (epoch, seq, stateDigest) for checkpoints. A prepared certificate also
 * needs the prepare of primary(epoch, view); a commit proof's digest is recomputed from its items, its commits
 * are checked, and only then must every item meet {@link RequestRules}. Each method returns why the certificate
 * does not stand, if it does not.
 */
public final class CommitProofValidator {
    private CommitProofValidator() {
    }

    /** A commit proof: {@code order.committed} as published, or as stored in the ledger. */
    public static Optional<String> commitProof(ReplicaSet set, OrderCommitted c, OrderParams params) {
        // the commits first (cheap checks, then one signature each): a proof whose commits do not stand costs
        // no per-item Ed25519 verification
        Optional<String> commits = commits(set, c);
        if (commits.isPresent()) {
            return commits;
        }
        for (OrderItem item : c.items()) {
            Optional<String> bad = RequestRules.check(set, item, c.ts(), params);
            if (bad.isPresent()) {
                return Optional.of("item " + item.requestId() + ": " + bad.get());
            }
        }
        return Optional.empty();
    }

    /**
     * The commits of a committed batch: q of the epoch's replicas over the digest recomputed from its items. What
     * {@code ledger verify --full} checks of every stored batch; the items' time rules depend on the ttl and skew
     * the node ran with, so they are judged live only.
     */
    public static Optional<String> commits(ReplicaSet set, OrderCommitted c) {
        if (c.epoch() != set.epoch()) {
            return Optional.of("proof of epoch " + c.epoch() + ", not " + set.epoch());
        }
        String digest = new OrderBatch(c.epoch(), c.seq(), c.ts(), c.items()).digest();
        return votes(set, MessageType.ORDER_COMMIT, c.commits(), c.view(), c.seq(), digest, false);
    }

    /** q prepares for (epoch, view, seq, digest) from distinct replicas, primary(view)'s among them. */
    public static Optional<String> prepared(ReplicaSet set, long view, long seq, String digest, List<Envelope> prepares) {
        return votes(set, MessageType.ORDER_PREPARE, prepares, view, seq, digest, true);
    }

    /** q checkpoints for (epoch, seq, stateDigest) from distinct replicas. */
    public static Optional<String> stable(ReplicaSet set, long seq, String stateDigest, List<Envelope> checkpoints) {
        return quorum(set, MessageType.ORDER_CHECKPOINT, checkpoints, b -> b instanceof OrderCheckpoint cp
                && cp.epoch() == set.epoch() && cp.seq() == seq && cp.stateDigest().equals(stateDigest), null);
    }

    private static Optional<String> votes(ReplicaSet set, MessageType type, List<Envelope> envelopes, long view, long seq,
                                          String digest, boolean needPrimary) {
        return quorum(set, type, envelopes, b -> b instanceof OrderVote v && v.epoch() == set.epoch() && v.view() == view
                && v.seq() == seq && v.digest().equals(digest), needPrimary ? set.primary(view) : null);
    }

    private static Optional<String> quorum(ReplicaSet set, MessageType type, List<Envelope> envelopes,
                                           Predicate<Object> sameSubject, NodeId mustInclude) {
        Set<NodeId> signers = new HashSet<>();
        for (Envelope e : envelopes) {
            String who = set.label(e.from());
            if (e.type() != type) {
                return Optional.of("a " + e.type().wireName() + " where only " + type.wireName() + " counts");
            }
            if (!set.isReplica(e.from())) {
                return Optional.of(type.wireName() + " from " + who + ", not a replica of epoch " + set.epoch());
            }
            if (!signers.add(e.from())) {
                return Optional.of("two " + type.wireName() + " from " + who);
            }
            if (!sameSubject.test(e.body())) {
                return Optional.of(type.wireName() + " from " + who + " is for another epoch, view, seq or digest");
            }
            // the signature last: a certificate that fails a cheap check costs no Ed25519 verification
            Member m = set.member(e.from()).orElseThrow();
            if (!Ed25519.verify(m.publicKey(), e.signingBytes(), e.sig())) {
                return Optional.of(type.wireName() + " from " + who + " does not verify");
            }
        }
        if (signers.size() < set.q()) {
            return Optional.of(signers.size() + " " + type.wireName() + " envelopes, fewer than q = " + set.q());
        }
        if (mustInclude != null && !signers.contains(mustInclude)) {
            return Optional.of("no " + type.wireName() + " from the primary " + set.label(mustInclude));
        }
        return Optional.empty();
    }
}
