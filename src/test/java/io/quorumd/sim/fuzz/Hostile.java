package io.quorumd.sim.fuzz;

import io.quorumd.arbiter.Dispute;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.wire.Body;
import io.quorumd.wire.CheckpointProposal;
import io.quorumd.wire.CheckpointTuple;
import io.quorumd.wire.CheckpointVote;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * What a byzantine member sends: forgeries (its signature under another member's id, or a key outside the
 * roster), replays of captured messages, backdated claims, equivocation (two different votes or proposals
 * for one slot), floods and garbage bytes. Each move is counted by kind in {@link FuzzStats}.
 */
final class Hostile {
    private final SimFederation f;
    private final FuzzScenario s;
    private final Random r;
    private final Topics topics;
    private final List<Envelope> captured;

    Hostile(SimFederation f, FuzzScenario s, Random r, List<Envelope> captured) {
        this.f = f;
        this.s = s;
        this.r = r;
        this.topics = f.node(1).topics();
        this.captured = captured;
    }

    /** The topic a captured envelope travels on, if it is one the fuzz replays. */
    Optional<String> topicOf(Envelope e) {
        return Optional.ofNullable(switch (e.type()) {
            case CHECKPOINT_PROPOSAL -> topics.checkpointPropose();
            case CHECKPOINT_VOTE -> topics.checkpointVote(((CheckpointVote) e.body()).tuple().subjectId());
            case DISPUTE_OPEN, DISPUTE_FALLBACK -> topics.arbiterPropose();
            case DISPUTE_VOTE -> topics.arbiterVote();
            case DISPUTE_RULING -> topics.arbiterFinal();
            default -> null;
        });
    }

    /** One hostile move by byzantine node {@code b}. */
    void move(SimNode b) {
        long now = f.world().now();
        switch (r.nextInt(7)) {
            case 0 -> forge(b, now);
            case 1 -> replay();
            case 2 -> backdate(b, now);
            case 3 -> equivocate(b, now);
            case 4 -> flood(b, now);
            case 5 -> garbage();
            default -> stranger(now);
        }
    }

    private void send(String kind, Envelope e) {
        FuzzStats.inc("byz." + kind);
        topicOf(e).ifPresent(t -> f.bus().publish(t, e, false));
    }

    private Optional<Dispute> someDispute() {
        for (SimNode n : f.nodes()) {
            if (n.up() && !n.core().arbiter().orElseThrow().disputes().isEmpty()) {
                List<Dispute> ds = new ArrayList<>(n.core().arbiter().orElseThrow().disputes());
                return Optional.of(ds.get(r.nextInt(ds.size())));
            }
        }
        return Optional.empty();
    }

    private SimNode other(SimNode b) {
        SimNode o;
        do {
            o = f.node(1 + r.nextInt(s.nodes()));
        } while (o == b);
        return o;
    }

    private static Envelope signedAs(NodeKey signer, NodeId as, MessageType type, Body body, long ts) {
        Envelope unsigned = new Envelope(type, as, ts, body, Bytes.of(new byte[64]));
        return new Envelope(type, as, ts, body, signer.sign(unsigned.signingBytes()));
    }

    private CheckpointTuple tuple(NodeId subject, long asOf, int round, long restarts) {
        return new CheckpointTuple(subject.hex(), asOf, restarts, 5, 1_800_000_000L, "", round);
    }

    private void forge(SimNode b, long now) {
        SimNode victim = other(b);
        Optional<Dispute> d = someDispute();
        if (d.isPresent() && r.nextBoolean()) {
            SimNode arbiter = f.node(1 + r.nextInt(s.primaries()));
            send("forged", signedAs(b.key(), arbiter.id(), MessageType.DISPUTE_VOTE,
                    new DisputeVote(d.get().id(), r.nextBoolean() ? Decision.BUYER : Decision.SELLER, "f", now), now));
        } else {
            send("forged", signedAs(b.key(), victim.id(), MessageType.CHECKPOINT_PROPOSAL,
                    new CheckpointProposal(tuple(victim.id(), now, 1, r.nextInt(9))), now));
        }
    }

    private void stranger(long now) {
        byte[] seed = new byte[32];
        r.nextBytes(seed);
        NodeKey k = NodeKey.fromSeed(seed);
        SimNode victim = f.node(1 + r.nextInt(s.nodes()));
        if (r.nextBoolean()) {
            send("non_roster", signedAs(k, k.nodeId(), MessageType.CHECKPOINT_PROPOSAL,
                    new CheckpointProposal(tuple(k.nodeId(), now, 1, 0)), now));
        } else {
            send("non_roster", signedAs(k, k.nodeId(), MessageType.CHECKPOINT_VOTE,
                    new CheckpointVote("x", true, tuple(victim.id(), now, 1, 0)), now));
        }
    }

    private void replay() {
        if (captured.isEmpty()) {
            return;
        }
        send("replayed", captured.get(r.nextInt(captured.size())));
    }

    private void backdate(SimNode b, long now) {
        long back = now - 1000L * (5 + r.nextInt(3600));
        if (r.nextBoolean()) {
            send("backdated", b.signUnchecked(MessageType.CHECKPOINT_PROPOSAL,
                    new CheckpointProposal(tuple(b.id(), back, 1, 0)), back));
        } else {
            SimNode seller = other(b);
            send("backdated", b.signUnchecked(MessageType.DISPUTE_OPEN, new DisputeOpen("old-" + r.nextInt(1000), b.id(),
                    seller.id(), 1, "x", List.of(), back), back));
        }
    }

    private void equivocate(SimNode b, long now) {
        Optional<Dispute> d = someDispute();
        if (d.isPresent() && r.nextBoolean()) {
            for (Decision dec : Decision.values()) {
                send("equivocation", b.signUnchecked(MessageType.DISPUTE_VOTE,
                        new DisputeVote(d.get().id(), dec, "both", now), now));
            }
        } else {
            send("equivocation", b.signUnchecked(MessageType.CHECKPOINT_PROPOSAL,
                    new CheckpointProposal(tuple(b.id(), now, 1, 0)), now));
            send("equivocation", b.signUnchecked(MessageType.CHECKPOINT_PROPOSAL,
                    new CheckpointProposal(tuple(b.id(), now, 1, 1 + r.nextInt(9))), now));
        }
    }

    private void flood(SimNode b, long now) {
        for (int i = 0; i < 8; i++) {
            if (r.nextBoolean()) {
                send("flood", b.signUnchecked(MessageType.CHECKPOINT_PROPOSAL,
                        new CheckpointProposal(tuple(b.id(), now - i, 1, i)), now));
            } else {
                send("flood", b.signUnchecked(MessageType.DISPUTE_VOTE,
                        new DisputeVote(String.format("%032x", r.nextInt(1 << 30)), Decision.BUYER, "f", now), now));
            }
        }
    }

    private void garbage() {
        SimNode t = f.node(1 + r.nextInt(s.nodes()));
        byte[] junk = new byte[1 + r.nextInt(300)];
        r.nextBytes(junk);
        if (r.nextBoolean() && !captured.isEmpty()) { // a valid message with one byte flipped
            junk = captured.get(r.nextInt(captured.size())).encode();
            junk[r.nextInt(junk.length)] ^= (byte) (1 + r.nextInt(255));
        }
        List<String> ts = List.of(topics.checkpointPropose(), topics.arbiterPropose(), topics.arbiterVote(),
                topics.arbiterFinal(), topics.checkpointVote(t.id().hex()), topics.checkpointFinal(t.id().hex()));
        FuzzStats.inc("byz.garbage");
        t.receiveRaw(ts.get(r.nextInt(ts.size())), junk);
    }
}
