package io.quorumd.order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.NodeId;
import io.quorumd.pm.Account;
import io.quorumd.pm.PmOp;
import io.quorumd.pm.PmTickets;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderRequest;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The pm account ops of DESIGN §14 executed through ordering on four replicas: the deposit-exhaustion vector, a
 * winner redeemed twice, a redeem sent before its params expire, a losing ticket and requests signed for someone
 * else's account — each with the same result and the same state digest on every node.
 */
class PmOrderingTest {
    private static final Duration LIMIT = Duration.ofMinutes(30);

    private final FederationSim sim = new FederationSim(7, 4);
    private final FederationSim.Node s = sim.nodes.get(0);
    private final FederationSim.Node a = sim.nodes.get(1);
    private final FederationSim.Node b = sim.nodes.get(2);
    private final FederationSim.Node c = sim.nodes.get(3);

    private Envelope send(FederationSim.Node by, PmOp op) {
        return by.request(op.op(), op.args());
    }

    /** Sends {@code op} from {@code by} and runs until every node executed it; returns its result. */
    private FederationState.Result executed(FederationSim.Node by, PmOp op) {
        Envelope req = send(by, op);
        assertTrue(sim.runUntil(LIMIT, () -> FederationSim.allExecuted(sim.nodes, req)), op.op() + " executes");
        return result(req);
    }

    /** The result of {@code req}, the same on every node, whose state digests agree. */
    private FederationState.Result result(Envelope req) {
        Set<FederationState.Result> results = sim.nodes.stream().map(x -> x.results.stream()
                .filter(r -> r.requestId().equals(req.contentId())).findFirst().orElseThrow()).collect(Collectors.toSet());
        assertEquals(1, results.size(), "every node records the same result");
        assertEquals(1, sim.nodes.stream().map(x -> x.state().digest()).distinct().count(), "every node the same state");
        assertTrue(sim.violations.isEmpty(), sim.violations.toString());
        return results.iterator().next();
    }

    private Account account(FederationSim.Node x, FederationSim.Node of) {
        return x.state().accounts().account(of.key.nodeId());
    }

    private static void assertRefused(String code, FederationState.Result r) {
        assertFalse(r.ok(), r.toString());
        assertTrue(r.reason().startsWith(code + ":"), r.reason());
    }

    @Test
    void depositExhaustionVectorThroughOrdering() {
        assertTrue(executed(s, new PmOp.Fund(1500, 900)).ok());
        long issued = sim.world.now();
        PmOp.Redeem a1 = PmTickets.redeem(s.key, a.key, 1, issued, true);
        PmOp.Redeem a2 = PmTickets.redeem(s.key, a.key, 2, issued, true);
        PmOp.Redeem b1 = PmTickets.redeem(s.key, b.key, 3, issued, true);
        long expiresAt = a1.signed().ticket().paramsExpiresAt();

        Envelope early = send(a, a1);
        sim.runUntil(Duration.ofMinutes(5), () -> false);
        assertTrue(sim.nodes.stream().noneMatch(x -> FederationSim.executedBy(x, early)), "not batched before expiry");
        assertTrue(sim.runUntil(LIMIT, () -> FederationSim.allExecuted(sim.nodes, early)), "batched once expired");
        assertTrue(result(early).ok());
        assertTrue(sim.nodes.stream().allMatch(x -> x.state().lastTs() > expiresAt));
        assertTrue(executed(a, a2).ok());
        assertTrue(executed(b, b1).ok());

        for (FederationSim.Node x : sim.nodes) {
            assertEquals(BigInteger.ZERO, account(x, s).deposit());
            assertEquals(BigInteger.valueOf(300), account(x, s).reserve());
            assertEquals(BigInteger.valueOf(1800), account(x, a).earned());
            assertEquals(BigInteger.valueOf(200), account(x, a).shortfall());
            assertEquals(BigInteger.valueOf(300), account(x, b).earned());
            assertEquals(BigInteger.valueOf(700), account(x, b).shortfall());
        }
        assertEquals(1, sim.nodes.stream().map(x -> x.state().accounts().digest()).distinct().count());

        assertRefused("used_ticket", executed(a, a1));
        assertRefused("not_winning", executed(c, PmTickets.redeem(s.key, c.key, 4, issued, false)));
        assertEquals(BigInteger.valueOf(1800), account(s, a).earned(), "paid once");
    }

    @Test
    void theStateRoundTripsAndReplaysToTheSameAccounts() throws Exception {
        assertTrue(executed(s, new PmOp.Fund(1500, 900)).ok());
        PmOp.Redeem a1 = PmTickets.redeem(s.key, a.key, 1, sim.world.now(), true);
        sim.runUntil(Duration.ofMinutes(11), () -> false);
        assertTrue(executed(a, a1).ok());
        assertTrue(executed(s, new PmOp.Unlock()).ok());
        FederationState state = s.state();
        FederationState back = FederationState.fromJson(state.toJson());
        assertEquals(state.digest(), back.digest());
        assertEquals(state.accounts().digest(), back.accounts().digest());
        assertEquals(state.digest(), state.copy().digest());
        assertTrue(state.toJson().has("pm"));
    }

    @Test
    void requestsForSomeoneElsesAccountAreRefusedBeforeOrdering() {
        ObjectNode args = new PmOp.Fund(100, 0).args();
        args.put("account", a.key.nodeId().hex());
        Envelope named = b.request(PmOp.FUND, args);
        PmOp.Redeem forA = PmTickets.redeem(s.key, a.key, 1, sim.world.now(), true);
        Envelope stolen = send(b, forA);
        // a fund claiming to come from A but signed with B's key
        Envelope forged = new Envelope(MessageType.ORDER_REQUEST, a.key.nodeId(), named.ts(),
                new OrderRequest(0, PmOp.FUND, new PmOp.Fund(100, 0).args(), sim.world.now()), named.sig());
        sim.publish(b, FederationSim.TOPICS.orderPropose(), forged);
        sim.runUntil(Duration.ofMinutes(20), () -> false);
        for (FederationSim.Node x : sim.nodes) {
            assertFalse(FederationSim.executedBy(x, named));
            assertFalse(FederationSim.executedBy(x, stolen));
            assertFalse(FederationSim.executedBy(x, forged));
            assertEquals(BigInteger.ZERO, account(x, a).deposit());
            assertEquals(BigInteger.ZERO, account(x, b).earned());
        }
        assertTrue(c.refused("bad_request") >= 2, c.refusals.toString());
        assertTrue(c.refused("bad_signature") >= 1, c.refusals.toString());
    }

    @Test
    void aBackupRefusesARedeemBeforeExpiryAndTheRulesNeedATreasurerForFunds() {
        PmOp.Redeem a1 = PmTickets.redeem(s.key, a.key, 1, sim.world.now(), true);
        Envelope req = a.sign(MessageType.ORDER_REQUEST, new OrderRequest(0, a1.op(), a1.args(), sim.world.now()));
        ReplicaSet set = new ReplicaSet(0, s.state().roster());
        long expiresAt = a1.signed().ticket().paramsExpiresAt();
        io.quorumd.wire.OrderItem item = new io.quorumd.wire.OrderItem(req, List.of());
        assertTrue(RequestRules.check(set, item, expiresAt, sim.params).orElseThrow().startsWith("not_yet"));
        assertTrue(RequestRules.check(set, item, expiresAt + 1, sim.params).isEmpty());
        Envelope fund = s.sign(MessageType.ORDER_REQUEST, new OrderRequest(0, PmOp.FUND,
                new PmOp.Fund(10, 0).args(), sim.world.now()));
        assertEquals(0, RequestRules.endorsementsNeeded(set, fund), "no treasurer, no endorsement");
        NodeId treasurer = c.key.nodeId();
        List<io.quorumd.wire.Member> members = s.state().roster().members().stream().map(m -> m.nodeId().equals(treasurer)
                ? new io.quorumd.wire.Member(m.name(), m.publicKey(), Set.of(io.quorumd.wire.Role.VOTER,
                io.quorumd.wire.Role.REPLICA, io.quorumd.wire.Role.TREASURER)) : m).toList();
        ReplicaSet withTreasurer = new ReplicaSet(0, new io.quorumd.wire.Roster(members));
        assertEquals(1, RequestRules.endorsementsNeeded(withTreasurer, fund));
        assertTrue(RequestRules.check(withTreasurer, new io.quorumd.wire.OrderItem(fund, List.of()), sim.world.now(),
                sim.params).isPresent(), "unendorsed fund refused");
        Envelope byB = b.sign(MessageType.ORDER_ENDORSE, new io.quorumd.wire.OrderEndorse(0, fund.contentId()));
        Envelope byC = c.sign(MessageType.ORDER_ENDORSE, new io.quorumd.wire.OrderEndorse(0, fund.contentId()));
        assertTrue(RequestRules.endorsement(withTreasurer, fund, byB).isPresent(), "not a treasurer");
        assertTrue(RequestRules.check(withTreasurer, new io.quorumd.wire.OrderItem(fund, List.of(byC)), sim.world.now(),
                sim.params).isEmpty());
    }

    @Test
    void theAnchorDigestIsUnchangedWithoutAccountsAndTheTimesAreRecordedWhenTheyDiffer() throws Exception {
        FederationState plain = FederationState.anchor(s.state().roster());
        assertFalse(plain.toJson().has("pm"));
        assertFalse(plain.toJson().has("pmPolicy"));
        assertEquals(plain.digest(), FederationState.anchor(s.state().roster(), io.quorumd.pm.PmPolicy.defaults()).digest());
        io.quorumd.pm.PmPolicy d = io.quorumd.pm.PmPolicy.defaults();
        io.quorumd.pm.PmPolicy other = new io.quorumd.pm.PmPolicy(d.ticketEV(), d.evMultiplier(), d.redeemCost(),
                d.redeemCostMultiplier(), d.maxFaceValue(), d.paramsTtlMs(), d.paramsExpiryBufferMs(), d.maxNonces(),
                d.maxBatchTickets(), d.maxTicketEV(), d.maxBatchEV(), d.depositMultiplier(), 3_600_000, 7_200_000, 600_000);
        FederationState custom = FederationState.anchor(s.state().roster(), other);
        assertTrue(custom.toJson().has("pmPolicy"));
        assertFalse(plain.digest().equals(custom.digest()), "unequal times are unequal states");
        FederationState back = FederationState.fromJson(custom.toJson());
        assertEquals(custom.digest(), back.digest());
    }
    @Test
    void aStateDocumentWithDefaultTimesOrEmptyAccountsWrittenOutIsRefused() {
        ObjectNode doc = FederationState.anchor(s.state().roster()).toJson();
        ObjectNode withDefaults = doc.deepCopy();
        withDefaults.putObject("pmPolicy").put("claimWindow", 86_400_000L).put("reservePeriod", 86_400_000L)
                .put("unlockPeriod", 259_200_000L);
        ObjectNode withEmpty = doc.deepCopy();
        withEmpty.set("pm", new io.quorumd.pm.Accounts(io.quorumd.pm.PmPolicy.defaults()).toJson());
        // each would read as the plain anchor: another document, the same digest
        org.junit.jupiter.api.Assertions.assertThrows(io.quorumd.wire.DecodeException.class,
                () -> FederationState.fromJson(withDefaults));
        org.junit.jupiter.api.Assertions.assertThrows(io.quorumd.wire.DecodeException.class,
                () -> FederationState.fromJson(withEmpty));
    }
}
