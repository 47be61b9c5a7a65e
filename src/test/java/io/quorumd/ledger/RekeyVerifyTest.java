package io.quorumd.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.config.QuorumdConfig.FsyncMode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeKey;
import io.quorumd.order.FederationState;
import io.quorumd.order.RosterOp;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.sim.VirtualClock;
import io.quorumd.wire.Json;
import io.quorumd.wire.Member;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderBatch;
import io.quorumd.wire.OrderCommitted;
import io.quorumd.wire.OrderEndorse;
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
 * force only where the ordered state's lineage leads there; afterwards the old key signs nothing that verifies,
 * and boot entries name the new key and the epoch in force.
 */
class RekeyVerifyTest {
    private static final NodeKey OLD = LedgerFixture.KEY;
    private static final NodeKey NEW = NodeKey.fromSeed(LedgerFixture.seed(77));

    @TempDir
    Path dir;

    private static Roster roster(NodeKey mine, int others) {
        List<Member> members = new ArrayList<>();
        members.add(new Member("me", mine.publicKey(), Set.of(Role.VOTER, Role.REPLICA)));
        for (int i = 1; i <= others; i++) {
            members.add(new Member("r" + i, NodeKey.fromSeed(LedgerFixture.seed(50 + i)).publicKey(),
                    Set.of(Role.VOTER, Role.REPLICA)));
        }
        return new Roster(members);
    }

    private static ObjectNode epoch(FederationState s) {
        return Json.object().set("state", s.toJson());
    }

    private static final long NOW = 1_800_000_000_000L;

    private static Envelope signed(NodeKey k, MessageType type, io.quorumd.wire.Body body) {
        return new EnvelopeSigner(k, new VirtualClock(NOW)).sign(type, body);
    }

    /** The batch at seq 1 that rotates "me" from OLD to NEW: requested, endorsed by two, committed by three. */
    private static List<OrderItem> rotation() {
        Bytes pop = NEW.sign(RosterOp.popMessage(RosterOp.ROTATE, 0, "me", NEW.publicKey(), NOW));
        Envelope req = signed(OLD, MessageType.ORDER_REQUEST, new OrderRequest(0, RosterOp.ROTATE,
                RosterOp.rotateArgs(NEW.publicKey(), pop), NOW));
        List<Envelope> endorsements = new ArrayList<>();
        for (int i = 1; i <= 2; i++) {
            endorsements.add(signed(NodeKey.fromSeed(LedgerFixture.seed(50 + i)), MessageType.ORDER_ENDORSE,
                    new OrderEndorse(0, req.contentId())));
        }
        return List.of(new OrderItem(req, endorsements));
    }

    private static ObjectNode order(List<OrderItem> items) {
        OrderBatch batch = new OrderBatch(0, 1, NOW + 1, items);
        List<Envelope> commits = new ArrayList<>();
        commits.add(signed(OLD, MessageType.ORDER_COMMIT, new OrderVote(0, 0, 1, batch.digest())));
        for (int i = 1; i <= 2; i++) {
            commits.add(signed(NodeKey.fromSeed(LedgerFixture.seed(50 + i)), MessageType.ORDER_COMMIT,
                    new OrderVote(0, 0, 1, batch.digest())));
        }
        ObjectNode d = Json.object().put("epoch", 0).put("seq", 1);
        d.putArray("results").addObject().put("requestId", items.get(0).requestId()).put("status", "ok");
        d.set("committed", new OrderCommitted(0, 1, 0, batch.ts(), items, commits).toJson());
        return d;
    }

    private static ObjectNode rekey(long epoch) {
        return Json.object().put("from", OLD.publicKey().base64()).put("to", NEW.publicKey().base64()).put("epoch", epoch)
                .put("seq", 1);
    }

    private static ObjectNode boot(NodeKey key, long epoch) {
        return new BootRecord("me", key.publicKey(), roster(OLD, 3), 1, new BootRecord.Policy(2, 60_000, 30_000, 1_000),
                "test", 2, epoch).toJson();
    }

    /**
     * Boot, anchor epoch, then (if {@code rotated}) the batch that rotates this node and the epoch it closes, and a
     * rekey entry — by the old key; then an entry by {@code after}.
     */
    private Optional<String> ledger(boolean rotated, NodeKey after, long bootEpoch) throws Exception {
        try (Ledger led = LedgerFixture.open(dir, 64 << 20, EntryVisitor.NONE)) {
            led.append(EntryKind.BOOT, boot(OLD, 0));
            FederationState state = FederationState.anchor(roster(OLD, 3));
            led.append(EntryKind.EPOCH, epoch(state));
            if (rotated) {
                state = state.copy();
                state.apply(1, NOW + 1, rotation());
                assertEquals(Map.of(OLD.nodeId(), NEW.nodeId()), state.lineage(), "the batch rotates the key");
                led.append(EntryKind.ORDER, order(rotation()));
                led.append(EntryKind.EPOCH, epoch(state));
            }
            led.append(EntryKind.REKEY, rekey(state.epoch()));
            led.commit();
        }
        try (Ledger led = Ledger.open(dir, after, new VirtualClock(1_800_000_000_000L), 64 << 20, FsyncMode.BATCH,
                EntryVisitor.NONE)) {
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
    void aRotationTheLineageBacksMovesTheKeyInForce() throws Exception {
        assertEquals(Optional.empty(), ledger(true, NEW, 1));
    }

    @Test
    void aRekeyEntryWithoutTheRotationInTheOrderedStateIsRefused() throws Exception {
        Optional<String> problem = ledger(false, NEW, 1);
        assertTrue(problem.orElse("").contains("no rotation of this node"), problem.toString());
    }

    @Test
    void theOldKeySignsNothingThatVerifiesAfterTheRekeyEntry() throws Exception {
        Optional<String> problem = ledger(true, OLD, 1);
        assertTrue(problem.orElse("").contains("entry signature does not verify"), problem.toString());
    }

    @Test
    void aBootEntryNamingAnotherEpochThanTheOneInForceIsRefused() throws Exception {
        Optional<String> problem = ledger(true, NEW, 0);
        assertTrue(problem.orElse("").contains("names epoch 0"), problem.toString());
    }
}
