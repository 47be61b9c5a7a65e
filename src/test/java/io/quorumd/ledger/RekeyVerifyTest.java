package io.quorumd.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.config.QuorumdConfig.FsyncMode;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import io.quorumd.order.FederationState;
import io.quorumd.sim.VirtualClock;
import io.quorumd.wire.Json;
import io.quorumd.wire.Member;
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

    private static ObjectNode rekey(long epoch) {
        return Json.object().put("from", OLD.publicKey().base64()).put("to", NEW.publicKey().base64()).put("epoch", epoch)
                .put("seq", 1);
    }

    private static ObjectNode boot(NodeKey key, long epoch) {
        return new BootRecord("me", key.publicKey(), roster(OLD, 3), 1, new BootRecord.Policy(2, 60_000, 30_000, 1_000),
                "test", 2, epoch).toJson();
    }

    /** Boot, anchor epoch, the rotated epoch ({@code lineage} or none), rekey — by the old key; then by {@code after}. */
    private Optional<String> ledger(boolean lineage, NodeKey after, long bootEpoch) throws Exception {
        Map<NodeId, NodeId> l = lineage ? Map.of(OLD.nodeId(), NEW.nodeId()) : Map.of();
        try (Ledger led = LedgerFixture.open(dir, 64 << 20, EntryVisitor.NONE)) {
            led.append(EntryKind.BOOT, boot(OLD, 0));
            led.append(EntryKind.EPOCH, epoch(FederationState.anchor(roster(OLD, 3))));
            led.append(EntryKind.EPOCH, epoch(new FederationState(1, roster(NEW, 3), l, 1, 1_800_000_000_001L)));
            led.append(EntryKind.REKEY, rekey(1));
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
