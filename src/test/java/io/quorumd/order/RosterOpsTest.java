package io.quorumd.order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeKey;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Json;
import io.quorumd.wire.Member;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderEndorse;
import io.quorumd.wire.OrderItem;
import io.quorumd.wire.OrderRequest;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Roster requests: their schema, proofs of possession, endorsements and deterministic execution. */
class RosterOpsTest {
    private static final long NOW = 1_800_000_000_000L;
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC);
    private static final OrderParams PARAMS = OrderParams.defaults();
    private final List<NodeKey> keys = new ArrayList<>();
    private final NodeKey newcomer = key(100);
    private final ReplicaSet set;

    RosterOpsTest() {
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            keys.add(key(i + 1));
            members.add(new Member("node-" + (i + 1), keys.get(i).publicKey(), EnumSet.of(Role.VOTER, Role.REPLICA)));
        }
        set = new ReplicaSet(0, new Roster(members));
    }

    private static NodeKey key(int b) {
        byte[] seed = new byte[32];
        seed[0] = (byte) b;
        seed[1] = 7;
        return NodeKey.fromSeed(seed);
    }

    private static Envelope sign(NodeKey k, MessageType type, io.quorumd.wire.Body body) {
        return new EnvelopeSigner(k, CLOCK).sign(type, body);
    }

    private Envelope request(int member, String op, ObjectNode args) {
        return sign(keys.get(member), MessageType.ORDER_REQUEST, new OrderRequest(0, op, args, NOW));
    }

    private Envelope addNewcomer(int member) {
        Bytes pop = newcomer.sign(RosterOp.popMessage(RosterOp.ADD, 0, "node-8", newcomer.publicKey(), NOW));
        return request(member, RosterOp.ADD, RosterOp.addArgs("node-8", newcomer.publicKey(), Set.of(Role.VOTER), pop));
    }

    private List<Envelope> endorse(Envelope request, int... members) {
        List<Envelope> out = new ArrayList<>();
        for (int m : members) {
            out.add(sign(keys.get(m), MessageType.ORDER_ENDORSE, new OrderEndorse(0, request.contentId())));
        }
        return out;
    }

    private Optional<String> item(Envelope request, List<Envelope> endorsements) {
        return RequestRules.check(set, new OrderItem(request, endorsements), NOW, PARAMS);
    }

    @Test
    void anAddNeedsTwoThirdsOfTheMembersWithTheRequesterCountingOnce() {
        Envelope add = addNewcomer(0);
        assertEquals(4, RequestRules.endorsementsNeeded(set, add));
        assertEquals(Optional.of("3 endorsements, 4 needed"), item(add, endorse(add, 1, 2, 3)));
        assertEquals(Optional.empty(), item(add, endorse(add, 1, 2, 3, 4)));
        assertEquals(Optional.empty(), item(add, endorse(add, 1, 2, 3, 4, 5, 6)));
    }

    @Test
    void endorsementsThatDoNotCountMakeTheItemInvalid() {
        Envelope add = addNewcomer(0);
        List<Envelope> twice = endorse(add, 1, 2, 3, 3);
        assertTrue(item(add, twice).orElseThrow().startsWith("two endorsements from node-4"));
        assertTrue(item(add, endorse(add, 0, 1, 2, 3)).orElseThrow().contains("requester counts once"));
        Envelope stranger = sign(newcomer, MessageType.ORDER_ENDORSE, new OrderEndorse(0, add.contentId()));
        List<Envelope> withStranger = new ArrayList<>(endorse(add, 1, 2, 3));
        withStranger.add(stranger);
        assertTrue(item(add, withStranger).orElseThrow().contains("not a member of epoch 0"));
        Envelope other = addNewcomer(1);
        List<Envelope> forOther = new ArrayList<>(endorse(add, 1, 2, 3));
        forOther.addAll(endorse(other, 4));
        assertTrue(item(add, forOther).orElseThrow().contains("another epoch or request"));
        List<Envelope> flipped = new ArrayList<>(endorse(add, 1, 2, 3, 4));
        Envelope last = flipped.remove(3);
        byte[] sig = last.sig().toArray();
        sig[5] ^= 1;
        flipped.add(new Envelope(last.type(), last.from(), last.ts(), last.body(), Bytes.of(sig)));
        assertEquals(Optional.of("endorsement of node-5 does not verify"), item(add, flipped));
    }

    @Test
    void theTargetOfARemovalNeitherCountsNorEndorses() {
        Envelope remove = request(6, RosterOp.REMOVE, RosterOp.removeArgs(keys.get(6).nodeId()));
        assertEquals(5, RequestRules.endorsementsNeeded(set, remove));
        assertEquals(Optional.empty(), item(remove, endorse(remove, 0, 1, 2, 3, 4)));
        Envelope byOther = request(0, RosterOp.REMOVE, RosterOp.removeArgs(keys.get(6).nodeId()));
        assertEquals(4, RequestRules.endorsementsNeeded(set, byOther));
        assertTrue(item(byOther, endorse(byOther, 1, 2, 3, 6)).orElseThrow().contains("cannot endorse its removal"));
    }

    @Test
    void proofsOfPossessionBindTheNewKeyNameAndTime() {
        Bytes wrongSigner = keys.get(3).sign(RosterOp.popMessage(RosterOp.ADD, 0, "node-8", newcomer.publicKey(), NOW));
        Envelope forged = request(0, RosterOp.ADD, RosterOp.addArgs("node-8", newcomer.publicKey(), Set.of(), wrongSigner));
        assertEquals(Optional.of("proof of possession of the new key does not verify"), item(forged, endorse(forged, 1, 2, 3, 4)));
        Bytes otherName = newcomer.sign(RosterOp.popMessage(RosterOp.ADD, 0, "node-9", newcomer.publicKey(), NOW));
        Envelope lifted = request(0, RosterOp.ADD, RosterOp.addArgs("node-8", newcomer.publicKey(), Set.of(), otherName));
        assertTrue(item(lifted, endorse(lifted, 1, 2, 3, 4)).isPresent());
        Bytes rotPop = newcomer.sign(RosterOp.popMessage(RosterOp.ROTATE, 0, "node-3", newcomer.publicKey(), NOW));
        Envelope rotate = request(2, RosterOp.ROTATE, RosterOp.rotateArgs(newcomer.publicKey(), rotPop));
        assertEquals(4, RequestRules.endorsementsNeeded(set, rotate), "a rotation closes the epoch: it needs approval");
        assertEquals(Optional.empty(), item(rotate, endorse(rotate, 0, 1, 3, 4)));
        assertEquals(Optional.of("0 endorsements, 4 needed"), item(rotate, List.of()));
        Envelope rotateOther = request(3, RosterOp.ROTATE, RosterOp.rotateArgs(newcomer.publicKey(), rotPop));
        assertTrue(item(rotateOther, endorse(rotateOther, 0, 1, 2, 4)).isPresent(), "a pop made for node-3 does not serve node-4");
        Bytes asAdd = newcomer.sign(RosterOp.popMessage(RosterOp.ADD, 0, "node-3", newcomer.publicKey(), NOW));
        Envelope lent = request(2, RosterOp.ROTATE, RosterOp.rotateArgs(newcomer.publicKey(), asAdd));
        assertTrue(item(lent, endorse(lent, 0, 1, 3, 4)).isPresent(), "a pop made for an add does not serve a rotation");
    }

    @Test
    void argsOutsideTheSchemaAreInvalidEverywhere() {
        ObjectNode extra = RosterOp.removeArgs(keys.get(1).nodeId());
        extra.put("why", "x");
        assertTrue(item(request(0, RosterOp.REMOVE, extra), List.of()).orElseThrow().contains("args.why is not allowed"));
        assertTrue(item(request(0, "roster.promote", Json.object()), List.of()).orElseThrow().contains("unknown op"));
        ObjectNode badRoles = RosterOp.rolesArgs(keys.get(1).nodeId(), Set.of());
        badRoles.withArray("roles").add("king");
        assertTrue(item(request(0, RosterOp.ROLES, badRoles), List.of()).orElseThrow().contains("args.roles"));
        ObjectNode both = RosterOp.rolesArgs(keys.get(1).nodeId(), Set.of(Role.ARBITER, Role.FALLBACK_ARBITER));
        assertTrue(item(request(0, RosterOp.ROLES, both), List.of()).isPresent());
        ObjectNode badName = RosterOp.addArgs("../etc", newcomer.publicKey(), Set.of(), Bytes.of(new byte[64]));
        assertTrue(item(request(0, RosterOp.ADD, badName), List.of()).orElseThrow().contains("args.name"));
        ObjectNode note = Json.object();
        note.put("note", "x".repeat(RosterOp.MAX_NOTE + 1));
        assertTrue(item(request(0, RosterOp.NOOP, note), List.of()).isPresent());
        note.put("note", "probe");
        assertEquals(Optional.empty(), item(request(0, RosterOp.NOOP, note), List.of()));
    }

    @Test
    void aRosterChangeMustBeTheLastItemOfItsBatch() {
        Envelope add = addNewcomer(0);
        OrderItem change = new OrderItem(add, endorse(add, 1, 2, 3, 4));
        OrderItem noop = new OrderItem(request(1, RosterOp.NOOP, Json.object()), List.of());
        assertEquals(Optional.empty(), RequestRules.checkBatch(List.of(noop, change)));
        assertTrue(RequestRules.checkBatch(List.of(change, noop)).isPresent());
    }

    @Test
    void anExecutedAddClosesTheEpochAndADuplicateIsRefusedWithoutOne() {
        FederationState state = FederationState.anchor(set.roster());
        String before = state.digest();
        Envelope add = addNewcomer(0);
        state.apply(9, NOW, List.of(new OrderItem(add, endorse(add, 1, 2, 3, 4))));
        FederationState.EpochChange change = state.closedEpoch().orElseThrow();
        assertEquals(1, change.epoch());
        assertEquals(10, change.startSeq());
        assertEquals(8, change.roster().size());
        assertTrue(state.lastResults().get(0).ok());
        assertNotEquals(before, state.digest());
        Envelope again = sign(keys.get(1), MessageType.ORDER_REQUEST, new OrderRequest(1, RosterOp.ADD,
                RosterOp.addArgs("node-8", keys.get(0).publicKey(), Set.of(), Bytes.of(new byte[64])), NOW));
        state.apply(10, NOW, List.of(new OrderItem(again, List.of())));
        assertTrue(state.closedEpoch().isEmpty());
        assertEquals("name node-8 is taken", state.lastResults().get(0).reason());
        assertEquals(1, state.epoch());
    }

    @Test
    void aChangeLeavingFewerThanFourReplicasIsRefused() {
        List<Member> four = set.roster().members().subList(0, 4);
        FederationState state = FederationState.anchor(new Roster(four));
        Envelope remove = request(0, RosterOp.REMOVE, RosterOp.removeArgs(keys.get(3).nodeId()));
        state.apply(1, NOW, List.of(new OrderItem(remove, List.of())));
        assertFalse(state.lastResults().get(0).ok());
        assertEquals("it would leave 3 replicas; ordering needs 4", state.lastResults().get(0).reason());
        Envelope demote = request(0, RosterOp.ROLES, RosterOp.rolesArgs(keys.get(3).nodeId(), Set.of(Role.VOTER)));
        state.apply(2, NOW, List.of(new OrderItem(demote, List.of())));
        assertFalse(state.lastResults().get(0).ok());
        assertEquals(0, state.epoch());
    }

    @Test
    void aRotationTakesTheMembersAccountAlong() {
        FederationState state = FederationState.anchor(set.roster());
        state.apply(3, NOW, List.of(new OrderItem(request(2, io.quorumd.pm.PmOp.FUND,
                new io.quorumd.pm.PmOp.Fund(700, 300).args()), List.of())));
        assertTrue(state.lastResults().get(0).ok());
        assertTrue(state.closedEpoch().isEmpty(), "a pm op closes no epoch");
        Bytes pop = newcomer.sign(RosterOp.popMessage(RosterOp.ROTATE, 0, "node-3", newcomer.publicKey(), NOW));
        state.apply(4, NOW, List.of(new OrderItem(request(2, RosterOp.ROTATE, RosterOp.rotateArgs(newcomer.publicKey(), pop)),
                List.of())));
        assertEquals(java.math.BigInteger.valueOf(700), state.accounts().account(newcomer.nodeId()).deposit());
        assertEquals(java.math.BigInteger.ZERO, state.accounts().account(keys.get(2).nodeId()).deposit());
    }

    @Test
    void aRotationKeepsTheLineageAndTheOldKeyCanNeverReturn() {
        FederationState state = FederationState.anchor(set.roster());
        Bytes pop = newcomer.sign(RosterOp.popMessage(RosterOp.ROTATE, 0, "node-3", newcomer.publicKey(), NOW));
        state.apply(4, NOW, List.of(new OrderItem(request(2, RosterOp.ROTATE, RosterOp.rotateArgs(newcomer.publicKey(), pop)),
                List.of())));
        assertTrue(state.lastResults().get(0).ok());
        assertEquals(newcomer.nodeId(), state.current(keys.get(2).nodeId()));
        assertEquals("node-3", state.roster().byId(newcomer.nodeId()).orElseThrow().name());
        assertTrue(state.roster().byId(keys.get(2).nodeId()).isEmpty());
        Bytes back = keys.get(2).sign(RosterOp.popMessage(RosterOp.ADD, 1, "node-9", keys.get(2).publicKey(), NOW));
        Envelope readd = sign(keys.get(0), MessageType.ORDER_REQUEST, new OrderRequest(1, RosterOp.ADD,
                RosterOp.addArgs("node-9", keys.get(2).publicKey(), Set.of(), back), NOW));
        state.apply(5, NOW, List.of(new OrderItem(readd, List.of())));
        assertEquals("that public key is or was a member's", state.lastResults().get(0).reason());
    }

    @Test
    void theStateDigestDoesNotDependOnTheAnchorsListOrder() {
        List<Member> shuffled = new ArrayList<>(set.roster().members());
        Collections.reverse(shuffled);
        assertEquals(FederationState.anchor(set.roster()).digest(), FederationState.anchor(new Roster(shuffled)).digest());
    }

    @Test
    void nothingAfterARosterChangeInOneBatchExecutes() {
        FederationState state = FederationState.anchor(set.roster());
        Envelope add = addNewcomer(0);
        Envelope noop = request(1, RosterOp.NOOP, Json.object());
        state.apply(3, NOW, List.of(new OrderItem(add, endorse(add, 1, 2, 3, 4)), new OrderItem(noop, List.of())));
        assertTrue(state.lastResults().get(0).ok());
        assertFalse(state.lastResults().get(1).ok());
        assertEquals(1, state.epoch());
    }

    @Test
    void aNewMemberCannotJoinAsAReplica() {
        Bytes pop = newcomer.sign(RosterOp.popMessage(RosterOp.ADD, 0, "node-8", newcomer.publicKey(), NOW));
        Envelope add = request(0, RosterOp.ADD, RosterOp.addArgs("node-8", newcomer.publicKey(),
                Set.of(Role.VOTER, Role.REPLICA), pop));
        assertTrue(item(add, endorse(add, 1, 2, 3, 4)).orElseThrow().contains("without the replica role"));
    }

    @Test
    void aKeyThatIsNoCurvePointIsRefusedNotThrown() {
        byte[] raw = new byte[32];
        java.util.Arrays.fill(raw, (byte) 0xff); // y ≥ p: not the encoding of any point
        Bytes notAPoint = Bytes.of(raw);
        assertFalse(io.quorumd.crypto.Ed25519.isPublicKey(notAPoint));
        assertFalse(io.quorumd.crypto.Ed25519.verify(notAPoint, new byte[] {1}, Bytes.of(new byte[64])));
        Envelope add = request(0, RosterOp.ADD, RosterOp.addArgs("node-8", notAPoint, Set.of(), Bytes.of(new byte[64])));
        assertTrue(item(add, List.of()).orElseThrow().contains("args.publicKey"));
        Envelope rotate = request(0, RosterOp.ROTATE, RosterOp.rotateArgs(notAPoint, Bytes.of(new byte[64])));
        assertTrue(item(rotate, List.of()).orElseThrow().contains("args.newPublicKey"));
    }
}
