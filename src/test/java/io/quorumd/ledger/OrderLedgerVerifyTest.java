package io.quorumd.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.NodeKey;
import io.quorumd.order.FederationState;
import io.quorumd.sim.VirtualClock;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Json;
import io.quorumd.wire.Member;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderBatch;
import io.quorumd.wire.OrderCommitted;
import io.quorumd.wire.OrderItem;
import io.quorumd.wire.OrderRequest;
import io.quorumd.wire.OrderVote;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ledger verify --full} re-checks the commit proof of every stored batch under the epoch it was stored in. */
class OrderLedgerVerifyTest {
    private static final long NOW = 1_800_000_000_000L;
    private final List<NodeKey> replicas = new ArrayList<>();
    private final FederationState state;

    @TempDir
    Path dir;

    OrderLedgerVerifyTest() {
        replicas.add(LedgerFixture.KEY);
        for (int i = 1; i <= 3; i++) {
            replicas.add(NodeKey.fromSeed(LedgerFixture.seed(40 + i)));
        }
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < replicas.size(); i++) {
            members.add(new Member(i == 0 ? "me" : "r" + i, replicas.get(i).publicKey(), Set.of(Role.VOTER, Role.REPLICA)));
        }
        state = FederationState.anchor(new Roster(members));
    }

    private ObjectNode order(long seq, int commitCount) {
        ObjectNode args = Json.object().put("note", "n" + seq);
        Envelope req = new EnvelopeSigner(replicas.get(1), new VirtualClock(NOW)).sign(MessageType.ORDER_REQUEST,
                new OrderRequest(0, "noop", args, NOW));
        OrderBatch batch = new OrderBatch(0, seq, NOW + seq, List.of(new OrderItem(req, List.of())));
        List<Envelope> commits = new ArrayList<>();
        for (int i = 0; i < commitCount; i++) {
            commits.add(new EnvelopeSigner(replicas.get(i), new VirtualClock(NOW)).sign(MessageType.ORDER_COMMIT,
                    new OrderVote(0, 0, seq, batch.digest())));
        }
        ObjectNode d = Json.object();
        d.put("epoch", 0);
        d.put("seq", seq);
        d.set("committed", new OrderCommitted(0, seq, 0, batch.ts(), batch.items(), commits).toJson());
        return d;
    }

    private ScanResult write(boolean anchorFirst, int secondCommits) throws Exception {
        try (Ledger l = LedgerFixture.open(dir, 64 << 20, EntryVisitor.NONE)) {
            l.append(EntryKind.BOOT, LedgerFixture.boot());
            if (anchorFirst) {
                l.append(EntryKind.EPOCH, Json.object().set("state", state.toJson()));
            }
            l.append(EntryKind.ORDER, order(1, 3));
            l.append(EntryKind.ORDER, order(2, secondCommits));
            l.commit();
        }
        return LedgerScanner.scan(Ledger.directory(dir), new FullVerifier());
    }

    @Test
    void storedBatchesWithQCommitsOfTheirEpochVerify() throws Exception {
        ScanResult r = write(true, 4);
        assertTrue(r.intact(), r.toString());
    }

    @Test
    void aStoredBatchWithTooFewCommitsIsNamedWithItsSeq() throws Exception {
        ScanResult r = write(true, 2);
        assertEquals("seq 4: order entry for seq 2: 2 order.commit envelopes, fewer than q = 3",
                r.corruption().orElseThrow().reason(), r.toString());
    }

    @Test
    void aBatchBeforeAnyEpochEntryHasNoRosterToBeJudgedBy() throws Exception {
        ScanResult r = write(false, 3);
        assertTrue(r.corruption().orElseThrow().reason().contains("order entry before the anchor epoch entry"), r.toString());
    }

    /** An epoch entry is checked against the state the batches since the anchor build, not taken on its word. */
    @Test
    void anEpochEntryTheStoredBatchesDoNotBuildIsRefused() throws Exception {
        List<Member> more = new ArrayList<>(state.roster().members());
        more.add(new Member("stowaway", NodeKey.fromSeed(LedgerFixture.seed(99)).publicKey(), Set.of(Role.VOTER, Role.REPLICA)));
        FederationState forged = new FederationState(1, new Roster(more), java.util.Map.of(), 2, NOW + 2);
        try (Ledger l = LedgerFixture.open(dir, 64 << 20, EntryVisitor.NONE)) {
            l.append(EntryKind.BOOT, LedgerFixture.boot());
            l.append(EntryKind.EPOCH, Json.object().set("state", state.toJson()));
            l.append(EntryKind.ORDER, order(1, 3));
            l.append(EntryKind.ORDER, order(2, 3));
            l.append(EntryKind.EPOCH, Json.object().set("state", forged.toJson()));
            l.commit();
        }
        ScanResult r = LedgerScanner.scan(Ledger.directory(dir), new FullVerifier());
        assertTrue(r.corruption().orElseThrow().reason().startsWith("seq 5: epoch entry for epoch 1 does not match"), r.toString());
    }
}
