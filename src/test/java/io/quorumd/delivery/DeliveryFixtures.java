package io.quorumd.delivery;

import static io.quorumd.delivery.ResponderScenarioTest.arb;

import io.quorumd.arbiter.Reputation;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** What the delivery scenarios do over and over: open, vote, lose a disk, look at what a node signed or asked. */
final class DeliveryFixtures {
    private DeliveryFixtures() {
    }

    /** {@code by} opens a dispute against node-7 (node-6 when it is node-7). */
    static String open(SimNode by, String subject) {
        String seller = by.name().equals("node-7") ? "node-6" : "node-7";
        return by.control(c -> c.arbiter().orElseThrow().desk().open(subject, by.name(), seller, 5, "x", List.of()));
    }

    static void vote(SimNode n, String id, Decision d) {
        n.control(c -> {
            c.arbiter().orElseThrow().desk().vote(id, d, "r");
            return null;
        });
    }

    /** Tries to vote; returns the refusal, or "" if the vote was signed. */
    static String tryVote(SimNode n, String id, Decision d) {
        try {
            vote(n, id, d);
            return "";
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** The distinct decisions {@code n} has signed on dispute {@code id}, across incarnations. */
    static Set<Decision> signedDecisions(SimNode n, String id) {
        return n.published().stream().filter(e -> e.type() == MessageType.DISPUTE_VOTE)
                .map(e -> (DisputeVote) e.body()).filter(v -> v.disputeId().equals(id))
                .map(DisputeVote::decision).collect(Collectors.toSet());
    }

    static Envelope openEnvelope(SimNode opener, String id) {
        return opener.published().stream().filter(e -> e.type() == MessageType.DISPUTE_OPEN
                && ((DisputeOpen) e.body()).disputeId().equals(id)).findFirst().orElseThrow();
    }

    /** Deletes the node's data dir (the node is down): a lost or replaced disk. */
    static void wipe(SimNode n) throws Exception {
        n.wipeDataDir();
    }

    /** {@code opener} opens a dispute, node-3 votes BUYER on it, then node-3 crashes and loses its disk. */
    static String votedThenWiped(SimFederation f, SimNode opener, String subject) throws Exception {
        SimNode three = f.node(3);
        String id = open(opener, subject);
        f.world().run(Duration.ofSeconds(1));
        vote(three, id, Decision.BUYER);
        f.world().run(Duration.ofSeconds(1));
        three.crash();
        wipe(three);
        return id;
    }

    static long requests(SimNode n) {
        return n.published().stream().filter(e -> e.type() == MessageType.SYNC_REQUEST).count();
    }

    static Envelope lastRequest(SimNode n) {
        List<Envelope> requests = n.published().stream().filter(e -> e.type() == MessageType.SYNC_REQUEST).toList();
        return requests.get(requests.size() - 1);
    }

    /** How many disputes opened by {@code opener} node {@code n} holds. */
    static long heldFrom(SimNode n, SimNode opener) {
        return arb(n).disputes().stream().filter(d -> d.open().from().equals(opener.id())).count();
    }

    /** The reputation table as "nonParticipations/score" per arbiter. */
    static List<String> table(SimNode n) {
        return Reputation.of(arb(n).disputes(), arb(n).policy()).values().stream()
                .map(x -> x.nonParticipations() + "/" + Math.round(x.score())).toList();
    }

    /** What a test does with an {@code untrack} entry. */
    interface Untrack {
        void untrack(String decisionId, String reason, int copies);
    }

    /** A journal that hands the trackers' starts and ends to the test and ignores the rest. */
    static DeliveryJournal journal(java.util.function.Consumer<Tracker> track, Untrack untrack) {
        return new DeliveryJournal() {
            @Override
            public void track(Tracker tracker) {
                track.accept(tracker);
            }

            @Override
            public void untrack(String decisionId, String reason, int copies) {
                untrack.untrack(decisionId, reason, copies);
            }

            @Override
            public void accepted(io.quorumd.loop.InboundMessage message) {
            }

            @Override
            public void evidence(String what, java.util.List<io.quorumd.wire.Envelope> envelopes) {
            }

            @Override
            public void rejected(String reason, String detail) {
            }
        };
    }
}
