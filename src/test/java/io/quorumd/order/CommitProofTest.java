package io.quorumd.order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.Bytes;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderBatch;
import io.quorumd.wire.OrderCommitted;
import io.quorumd.wire.OrderItem;
import io.quorumd.wire.OrderVote;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Forged commit proofs, each refused by the one validator with its own reason (and by a live replica). */
class CommitProofTest {
    private OrderSim sim;
    private OrderBatch batch;
    private String digest;

    @BeforeEach
    void setUp() {
        sim = OrderSim.of(3, 4);
        Envelope req = sim.submit();
        batch = new OrderBatch(0, 1, sim.world.now(), List.of(new OrderItem(req, List.of())));
        digest = batch.digest();
    }

    private Envelope commit(int node, long view, long seq, String d) {
        return sim.resign(sim.node(node), MessageType.ORDER_COMMIT, new OrderVote(0, view, seq, d));
    }

    private List<Envelope> commits(int count) {
        List<Envelope> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(commit(i, 0, 1, digest));
        }
        return out;
    }

    private Optional<String> check(List<Envelope> commits) {
        return CommitProofValidator.commitProof(sim.set, new OrderCommitted(0, 1, 0, batch.ts(), batch.items(), commits),
                sim.params);
    }

    private static Envelope withSig(Envelope e, Bytes sig) {
        return new Envelope(e.type(), e.from(), e.ts(), e.body(), sig);
    }

    @Test
    void qCommitsFromDistinctReplicasAreAProof() {
        assertEquals(Optional.empty(), check(commits(3)));
        assertEquals(Optional.empty(), check(commits(4)));
    }

    @Test
    void qCopiesOfOneReplicasCommitAreRefused() {
        Envelope one = commit(1, 0, 1, digest);
        assertTrue(check(List.of(one, one, one)).orElseThrow().startsWith("two order.commit from node-1"));
    }

    @Test
    void commitsForAnotherDigestOrSeqAreRefused() {
        List<Envelope> otherDigest = new ArrayList<>(commits(2));
        otherDigest.add(commit(2, 0, 1, OrderBatch.nullAt(0, 1).digest()));
        assertTrue(check(otherDigest).orElseThrow().contains("another epoch, view, seq or digest"));
        List<Envelope> otherSeq = new ArrayList<>(commits(2));
        otherSeq.add(commit(2, 0, 2, digest));
        assertTrue(check(otherSeq).orElseThrow().contains("another epoch, view, seq or digest"));
        List<Envelope> otherItems = commits(3);
        Optional<String> r = CommitProofValidator.commitProof(sim.set,
                new OrderCommitted(0, 1, 0, batch.ts() + 1, batch.items(), otherItems), sim.params);
        assertTrue(r.orElseThrow().contains("another epoch, view, seq or digest"), r.get());
    }

    @Test
    void commitsFromANonReplicaMemberAreRefused() {
        List<Envelope> c = new ArrayList<>(commits(2));
        c.add(new EnvelopeSigner(sim.clients.get(0), sim.world.clock()).sign(MessageType.ORDER_COMMIT,
                new OrderVote(0, 0, 1, digest)));
        assertTrue(check(c).orElseThrow().contains("not a replica of epoch 0"));
    }

    @Test
    void fewerThanQCommitsAreRefused() {
        assertEquals("2 order.commit envelopes, fewer than q = 3", check(commits(2)).orElseThrow());
    }

    @Test
    void aFlippedSignatureByteIsRefused() {
        List<Envelope> c = new ArrayList<>(commits(3));
        byte[] sig = c.get(2).sig().toArray();
        sig[17] ^= 1;
        c.set(2, withSig(c.get(2), Bytes.of(sig)));
        assertTrue(check(c).orElseThrow().endsWith("does not verify"));
    }

    @Test
    void madeUpSignaturesAreRefused() {
        List<Envelope> c = new ArrayList<>();
        for (Envelope e : commits(3)) {
            byte[] sig = new byte[64];
            sig[0] = 4;
            sig[1] = 5;
            sig[2] = 6;
            c.add(withSig(e, Bytes.of(sig)));
        }
        assertTrue(check(c).orElseThrow().endsWith("does not verify"));
    }

    @Test
    void aLiveReplicaRefusesAForgedCommittedMessage() {
        Envelope one = commit(1, 0, 1, digest);
        Envelope forged = sim.resign(sim.node(1), MessageType.ORDER_COMMITTED,
                new OrderCommitted(0, 1, 0, batch.ts(), batch.items(), List.of(one, one, one)));
        sim.node(2).replica.onMessage(forged);
        assertEquals(1, sim.node(2).journal.refused("invalid_commit_proof"));
        assertEquals(0, sim.node(2).replica.lastExecuted());
    }
}
