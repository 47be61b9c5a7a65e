package io.quorumd.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.config.QuorumdConfig.FsyncMode;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import io.quorumd.order.FederationState;
import io.quorumd.order.RosterOp;
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
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ledger verify --full} across this node's own key rotation: the {@code rekey} entry moves the key in
 * force only where the lineage leads there, and the lineage only comes from a stored batch whose commit proof
 * stands (epoch entries after the anchor must be the state the stored batches build); afterwards the old key
 * signs nothing that verifies, and boot entries name the new key and the epoch in force.
 */
class RekeyVerifyTest {
    private static final long NOW = 1_800_000_000_000L;
    private static final NodeKey OLD = LedgerFixture.KEY;
    private static final NodeKey NEW = NodeKey.fromSeed(LedgerFixture.seed(77));
    private static final List<NodeKey> OTHERS = List.of(NodeKey.fromSeed(LedgerFixture.seed(51)),
            NodeKey.fromSeed(LedgerFixture.seed(52)), NodeKey.fromSeed(LedgerFixture.seed(53)));

    @TempDir
    Path dir;

    private static Roster roster(NodeKey mine) {
        List<Member> members = new ArrayList<>();
        members.add(new Member("me", mine.publicKey(), Set.of(Role.VOTER, Role.REPLICA)));
        for (int i = 0; i < OTHERS.size(); i++) {
            members.add(new Member("r" + (i + 1), OTHERS.get(i).publicKey(), Set.of(Role.VOTER, Role.REPLICA)));
        }
        return new Roster(members);
    }

    private static ObjectNode epoch(FederationState s) {
        return Json.object().set("state", s.toJson());
    }

    private static ObjectNode rekey(long epoch, NodeKey to) {
        return Json.object().put("from", OLD.publicKey().base64()).put("to", to.publicKey().base64()).put("epoch", epoch)
                .put("seq", 1);
    }

    private static ObjectNode boot(NodeKey key, long epoch) {
        return new BootRecord("me", key.publicKey(), roster(OLD), 1, new BootRecord.Policy(2, 60_000, 30_000, 1_000),
                "test", 2, epoch).toJson();
    }

    /** Seq 1 of epoch 0: this node's own rotation to {@link #NEW}, with the commits of three of the four replicas. */
    private static OrderCommitted rotation() {
        Envelope req = new EnvelopeSigner(OLD, new VirtualClock(NOW)).sign(MessageType.ORDER_REQUEST, new OrderRequest(0,
                RosterOp.ROTATE, RosterOp.rotateArgs(NEW.publicKey(),
                NEW.sign(RosterOp.popMessage(RosterOp.ROTATE, 0, "me", NEW.publicKey(), NOW))), NOW));
        OrderBatch batch = new OrderBatch(0, 1, NOW + 1, List.of(new OrderItem(req, List.of())));
        List<Envelope> commits = new ArrayList<>();
        for (NodeKey k : List.of(OLD, OTHERS.get(0), OTHERS.get(1))) {
            commits.add(new EnvelopeSigner(k, new VirtualClock(NOW)).sign(MessageType.ORDER_COMMIT,
                    new OrderVote(0, 0, 1, batch.digest())));
        }
        return new OrderCommitted(0, 1, 0, batch.ts(), batch.items(), commits);
    }

    private static ObjectNode order(OrderCommitted c) {
        ObjectNode d = Json.object().put("epoch", c.epoch()).put("seq", c.seq()).put("view", c.view()).put("ts", c.ts());
        c.items().forEach(i -> d.withArray("results").addObject().put("requestId", i.requestId()).put("op", RosterOp.ROTATE)
                .put("status", "ok").put("reason", ""));
        d.set("committed", c.toJson());
        return d;
    }

    /** The epoch the rotation's batch builds on the anchor. */
    private static FederationState rotated() {
        FederationState s = FederationState.anchor(roster(OLD));
        OrderCommitted c = rotation();
        s.apply(c.seq(), c.ts(), c.items());
        return s;
    }

    /** What a rotated node writes: boot, anchor, the rotation's batch and epoch entry, rekey — then {@code after}. */
    private Optional<String> ledger(boolean batchStored, FederationState second, NodeKey after, long bootEpoch)
            throws Exception {
        return ledger(batchStored, second, NEW, after, bootEpoch);
    }

    private Optional<String> ledger(boolean batchStored, FederationState second, NodeKey to, NodeKey after, long bootEpoch)
            throws Exception {
        try (Ledger led = LedgerFixture.open(dir, 64 << 20, EntryVisitor.NONE)) {
            led.append(EntryKind.BOOT, boot(OLD, 0));
            led.append(EntryKind.EPOCH, epoch(FederationState.anchor(roster(OLD))));
            if (batchStored) {
                led.append(EntryKind.ORDER, order(rotation()));
            }
            led.append(EntryKind.EPOCH, epoch(second));
            led.append(EntryKind.REKEY, rekey(1, to));
            led.commit();
        }
        try (Ledger led = Ledger.open(dir, after, new VirtualClock(NOW), 64 << 20, FsyncMode.BATCH, EntryVisitor.NONE)) {
            if (after == OLD) {
                led.append(EntryKind.OBSERVATION, LedgerFixture.observation(1)); // what a node that kept its old key writes
            } else {
                led.append(EntryKind.BOOT, boot(after, bootEpoch));
            }
            led.commit();
        }
        return LedgerScanner.scan(Ledger.directory(dir), new FullVerifier()).corruption().map(Object::toString);
    }

    @Test
    void aRotationTheStoredBatchesBackMovesTheKeyInForce() throws Exception {
        assertEquals(Optional.empty(), ledger(true, rotated(), NEW, 1));
    }

    @Test
    void aRekeyEntryToAnotherMembersKeyIsRefused() throws Exception {
        Optional<String> problem = ledger(true, rotated(), OTHERS.get(2), OTHERS.get(2), 1);
        assertTrue(problem.orElse("").contains("no rotation of this node"), problem.toString());
    }

    @Test
    void anEpochEntryNoStoredBatchBuildsCannotBackARekey() throws Exception {
        // the node's own key signs a lineage old -> new that the federation never ordered
        Optional<String> problem = ledger(false, rotated(), NEW, 1);
        assertTrue(problem.orElse("").contains("epoch entry for epoch 1 does not match the state"), problem.toString());
    }

    @Test
    void aRekeyToAKeyTheAnchorAlreadyRotatedToIsRefused() throws Exception {
        try (Ledger led = LedgerFixture.open(dir, 64 << 20, EntryVisitor.NONE)) {
            led.append(EntryKind.BOOT, boot(OLD, 0));
            led.append(EntryKind.EPOCH, epoch(new FederationState(1, roster(NEW), Map.of(OLD.nodeId(), NEW.nodeId()), 1,
                    NOW + 1)));
            led.append(EntryKind.REKEY, rekey(1, NEW));
            led.commit();
        }
        Optional<String> problem = LedgerScanner.scan(Ledger.directory(dir), new FullVerifier()).corruption()
                .map(Object::toString);
        assertTrue(problem.orElse("").contains("no rotation of this node"), problem.toString());
    }

    @Test
    void theOldKeySignsNothingThatVerifiesAfterTheRekeyEntry() throws Exception {
        Optional<String> problem = ledger(true, rotated(), OLD, 1);
        assertTrue(problem.orElse("").contains("seal signature does not verify"), problem.toString());
    }

    @Test
    void aBootEntryNamingAnotherEpochThanTheOneInForceIsRefused() throws Exception {
        Optional<String> problem = ledger(true, rotated(), NEW, 0);
        assertTrue(problem.orElse("").contains("names epoch 0"), problem.toString());
    }

    @Test
    void theRotatedIdIsTheLineages() {
        assertEquals(Map.of(OLD.nodeId(), NEW.nodeId()), rotated().lineage());
        assertEquals(NodeId.of(NEW.publicKey()), rotated().current(OLD.nodeId()));
    }
    @Test
    void anEntryAfterTheRekeyInItsGroupIsRefused() throws Exception {
        // what a holder of the old key could write: the rotation's group, then a vote of its own, sealed by the old key
        Path ledgerDir = Ledger.directory(dir);
        java.nio.file.Files.createDirectories(ledgerDir);
        List<LedgerEntry> group = new ArrayList<>();
        String prev = LedgerEntry.ZERO_HASH;
        List<ObjectNode> data = List.of(boot(OLD, 0), epoch(FederationState.anchor(roster(OLD))), order(rotation()),
                epoch(rotated()), rekey(1, NEW), LedgerFixture.observation(1));
        List<EntryKind> kinds = List.of(EntryKind.BOOT, EntryKind.EPOCH, EntryKind.ORDER, EntryKind.EPOCH, EntryKind.REKEY,
                EntryKind.OBSERVATION);
        for (int i = 0; i < data.size(); i++) {
            LedgerEntry e = new LedgerEntry(i + 1, prev, NOW + i, kinds.get(i), data.get(i), null);
            group.add(e);
            prev = io.quorumd.crypto.Hashes.sha256(e.canonicalBytes()).hex();
        }
        ObjectNode from = Json.object().put("from", 1);
        long sealSeq = group.size() + 1;
        group.add(new LedgerEntry(sealSeq, prev, NOW + 9, EntryKind.SEAL, from,
                OLD.sign(LedgerEntry.signingBytes(sealSeq, prev, NOW + 9, EntryKind.SEAL, from))));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(SegmentFormat.header(SegmentFormat.SEALED).array());
        for (LedgerEntry e : group) {
            byte[] payload = e.canonicalBytes();
            java.nio.ByteBuffer framed = java.nio.ByteBuffer.allocate(payload.length + SegmentFormat.FRAME_BYTES);
            SegmentFormat.frame(payload, framed);
            out.write(framed.array());
        }
        java.nio.file.Files.write(ledgerDir.resolve(SegmentFormat.fileName(1)), out.toByteArray());
        assertTrue(LedgerScanner.scan(ledgerDir, EntryVisitor.NONE).intact(), "chain and CRCs hold");
        Optional<String> problem = LedgerScanner.scan(ledgerDir, new FullVerifier()).corruption().map(Object::toString);
        assertTrue(problem.orElse("").contains("seq 6: an entry after the rekey entry in its group"), problem.toString());
    }
}
