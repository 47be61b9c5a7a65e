package io.quorumd.order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.NodeKey;
import io.quorumd.sim.SimWorld;
import io.quorumd.wire.Body;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Json;
import io.quorumd.wire.Member;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.OrderBatch;
import io.quorumd.wire.OrderItem;
import io.quorumd.wire.OrderPreprepare;
import io.quorumd.wire.OrderRequest;
import io.quorumd.wire.OrderViewChange;
import io.quorumd.wire.OrderVote;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import io.quorumd.wire.SlotSigner;
import io.quorumd.wire.Topics;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A replica restarted after a view change resumes in the view it signed in. n = 4, replica 0 (primary of
 * view 0) byzantine. In view 1 (primary 1) seq 1 commits digest d:
 * replicas 1, 2, 3 prepared and signed commits, replica 1 collected q commits and executed d. Replicas 2 and 3
 * restart before their commits come back to them. Their ledgers hold the view change to 1, prepare and commit
 * (1, 1, d), and the prepared certificate. After the restart the deposed primary proposes d' at seq 1 in
 * view 0: they must neither prepare nor commit it (without the view from their slots they were back in view 0,
 * and committed d' at a seq where replica 1 executed d).
 */
class RestartViewTest {
    static final Topics T = new Topics("sim");

    final SimWorld world = new SimWorld(1, 1_800_000_000_000L);
    final List<NodeKey> keys = new ArrayList<>();
    NodeKey client;
    ReplicaSet set;

    /** A slot store that survives a restart (what the ledger's signed entries give back). */
    final class Store implements SlotSigner {
        final Map<String, Envelope> slots = new HashMap<>();
        final EnvelopeSigner signer;
        final List<Envelope> out;

        Store(NodeKey k, List<Envelope> out) {
            this.signer = new EnvelopeSigner(k, world.clock());
            this.out = out;
        }

        @Override
        public Envelope signOnce(String slot, MessageType type, Body body, String topic, boolean retained) {
            Envelope e = slots.get(slot);
            if (e != null) {
                return e;
            }
            e = signer.sign(type, body);
            slots.put(slot, e);
            out.add(e);
            return e;
        }

        @Override
        public Optional<Envelope> signed(String slot) {
            return Optional.ofNullable(slots.get(slot));
        }
    }

    static final class Journal implements OrderJournal {
        final TreeMap<Long, String> executed = new TreeMap<>();
        final List<String> refusals = new ArrayList<>();

        public void refused(String reason, String detail) {
            refusals.add(reason + ": " + detail);
        }

        public void evidence(Envelope a, Envelope b) {
        }

        public void executed(long seq, long view, List<OrderItem> items, List<Envelope> commits) {
            executed.put(seq, ((OrderVote) commits.get(0).body()).digest());
        }

        public void diverged(long seq, String own, String stable) {
        }

        public void viewChangeStarted(long view) {
        }

        public void viewEntered(long view) {
        }

        public void stable(long seq, String d) {
        }
    }

    Envelope sign(int i, MessageType type, Body body) {
        return new EnvelopeSigner(keys.get(i), world.clock()).sign(type, body);
    }

    Envelope request(String note) {
        ObjectNode args = Json.object();
        args.put("note", note);
        return new EnvelopeSigner(client, world.clock()).sign(MessageType.ORDER_REQUEST,
                new OrderRequest(0, "noop", args, world.now()));
    }

    @Test
    void aReplicaRestartedAfterAViewChangeSignsNothingInTheViewItLeft() {
        for (int i = 0; i < 4; i++) {
            byte[] s = new byte[32];
            s[0] = (byte) (i + 1);
            keys.add(NodeKey.fromSeed(s));
        }
        keys.sort(Comparator.comparing(k -> k.nodeId().hex()));
        byte[] cs = new byte[32];
        cs[0] = 99;
        client = NodeKey.fromSeed(cs);
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            members.add(new Member("node-" + i, keys.get(i).publicKey(), Set.of(Role.VOTER, Role.REPLICA)));
        }
        members.add(new Member("client", client.publicKey(), Set.of(Role.VOTER)));
        set = new ReplicaSet(0, new Roster(members));
        assertEquals(keys.get(0).nodeId(), set.primary(0));
        assertEquals(keys.get(1).nodeId(), set.primary(1));
        OrderParams params = OrderParams.defaults();

        // ---- before the restart: view 1, seq 1, digest d, committed at replica 1
        OrderBatch b = new OrderBatch(0, 1, world.now(), List.of(new OrderItem(request("first"), List.of())));
        String d = b.digest();
        Envelope pp1 = sign(1, MessageType.ORDER_PREPREPARE, OrderPreprepare.of(1, b));
        List<Envelope> prepares = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            prepares.add(sign(i, MessageType.ORDER_PREPARE, new OrderVote(0, 1, 1, d)));
        }
        Map<Integer, Store> stores = new HashMap<>();
        Map<Integer, List<Envelope>> outs = new HashMap<>();
        Map<Integer, Journal> journals = new HashMap<>();
        Map<Integer, Replica> replicas = new HashMap<>();
        for (int i = 2; i <= 3; i++) {
            List<Envelope> out = new ArrayList<>();
            Store st = new Store(keys.get(i), out);
            // what replica i's ledger holds: its view change to 1, its prepare and commit for (1, 1, d)
            st.signOnce("order/viewchange/0/1", MessageType.ORDER_VIEWCHANGE, new OrderViewChange(0, 1,
                    new OrderViewChange.Stable(0, new OrderSim.ChainState().digest()), List.of()), T.orderView(), false);
            st.slots.put("order/prepare/0/1/1", prepares.get(i - 1));
            st.signOnce("order/commit/0/1/1", MessageType.ORDER_COMMIT, new OrderVote(0, 1, 1, d), T.orderVote(), false);
            out.clear();
            // restart: a fresh replica over the same store, restored as NodeOrdering restores it
            Journal j = new Journal();
            Replica r = new Replica(keys.get(i).nodeId(), set, params, world.clock(),
                    world.scheduler(t -> { }, () -> true), st, (topic, env, ret) -> out.add(env), T, j,
                    new OrderSim.ChainState(), Replica.Start.at(0, 0));
            r.restore(Optional.empty(), List.of(new Replica.Prepared(1, 1, d, prepares)), Map.of());
            r.resumeFrom(st.slots.keySet());
            r.start();
            stores.put(i, st);
            outs.put(i, out);
            journals.put(i, j);
            replicas.put(i, r);
        }
        assertEquals(1, replicas.get(2).view(), "the restarted replica resumes in view 1");

        // ---- after: the deposed (byzantine) primary of view 0 proposes d' at seq 1
        world.run(java.time.Duration.ofMillis(100));
        OrderBatch b2 = new OrderBatch(0, 1, world.now(), List.of(new OrderItem(request("second"), List.of())));
        String d2 = b2.digest();
        Envelope pp0 = sign(0, MessageType.ORDER_PREPREPARE, OrderPreprepare.of(0, b2));
        Envelope prep0 = sign(0, MessageType.ORDER_PREPARE, new OrderVote(0, 0, 1, d2));
        Envelope com0 = sign(0, MessageType.ORDER_COMMIT, new OrderVote(0, 0, 1, d2));
        for (int i = 2; i <= 3; i++) {
            replicas.get(i).onMessage(pp0);
            replicas.get(i).onMessage(prep0);
        }
        // the two restarted replicas exchange what they signed
        for (int round = 0; round < 3; round++) {
            for (int i = 2; i <= 3; i++) {
                int other = i == 2 ? 3 : 2;
                for (Envelope e : List.copyOf(outs.get(i))) {
                    replicas.get(other).onMessage(e);
                }
            }
        }
        for (int i = 2; i <= 3; i++) {
            replicas.get(i).onMessage(com0);
        }
        for (int i = 2; i <= 3; i++) {
            assertTrue(stores.get(i).slots.keySet().stream().noneMatch(k -> k.startsWith("order/prepare/0/0/")
                    || k.startsWith("order/commit/0/0/")), "replica " + i + " signed in view 0: " + stores.get(i).slots.keySet());
        }
        assertTrue(journals.get(2).executed.isEmpty() || journals.get(2).executed.get(1L).equals(d),
                "replica 2 committed at seq 1 in view 1 on digest " + d + " (replica 1 executed it), and now executed "
                        + journals.get(2).executed + " in view 0");
    }
}
