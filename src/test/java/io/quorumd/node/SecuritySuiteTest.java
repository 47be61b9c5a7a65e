package io.quorumd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeKey;
import io.quorumd.pm.ParamsIssuer;
import io.quorumd.pm.ParamsOffer;
import io.quorumd.pm.PmPolicy;
import io.quorumd.pm.RandKey;
import io.quorumd.pm.Ticket;
import io.quorumd.pm.TicketBatch;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.CheckpointProposal;
import io.quorumd.wire.CheckpointTuple;
import io.quorumd.wire.CheckpointVote;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.DisputeRuling;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeCodec;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.PmParams;
import io.quorumd.wire.PmTicket;
import io.quorumd.wire.RejectReason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input of every message type on the real inbound path ({@link SimNode#receiveRaw}: the production
 * {@link InboundGate}, then {@link NodeCore}), built from real messages a running federation sent: each is a
 * counted rejection with its reason, writes nothing to the ledger and makes the node publish nothing.
 * Covered elsewhere: tampered signatures (CheckpointScenarioTest.forgedStaleDuplicateAndMismatchedVotesAreRejectedWithReasons),
 * finals below minVoters (CheckpointScenarioTest.finalsWithTooFewSignaturesOrOnTheWrongTopicAreRejected), rulings
 * whose open is not a party's (ArbiterHostileTest.aRulingWhoseOpenIsNotFromAPartyIsInvalid), fallback activations by
 * non-parties (ArbiterHostileTest.onlyAPartyMayActivateTheFallbackArbiters), key files readable by group or others
 * (NodeKeyTest, CliTest.runWithWorldReadableKeyExits2WithChmodAdvice).
 * One federation serves every case: each case asserts the target's ledger did not move, so none disturbs another.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecuritySuiteTest {
    private static final long SEED = Long.getLong("quorumd.security.seed", 4242);

    private SimFederation f;
    private CapturedTraffic tap;
    private SimNode target;

    @BeforeAll
    void run(@TempDir Path dir) throws Exception {
        f = CapturedTraffic.federation(SEED, dir);
        tap = CapturedTraffic.drive(f);
        tap.stopRecording();
        target = f.node(3);
    }

    /** Delivers {@code payload} on {@code topic} to the target: one more reject for {@code reason}, nothing else. */
    private void refused(String topic, byte[] payload, RejectReason reason, String what) {
        long rejects = target.metrics().rejects(reason);
        long ledger = target.core().ledgerEntries();
        int published = target.published().size();
        target.receiveRaw(topic, payload);
        String context = what + ", seed " + SEED + ", rejects " + target.metrics().rejectSummary();
        assertEquals(rejects + 1, target.metrics().rejects(reason), context);
        assertEquals(ledger, target.core().ledgerEntries(), context);
        assertEquals(published, target.published().size(), context);
    }

    private static Envelope signedBy(NodeKey key, MessageType type, io.quorumd.wire.Body body, long ts) {
        Envelope unsigned = new Envelope(type, key.nodeId(), ts, body, Bytes.of(new byte[64]));
        return new Envelope(type, key.nodeId(), ts, body, key.sign(unsigned.signingBytes()));
    }

    /**
     * The real message's body, or, for the two bodies that name their signer, the same kind of body as the
     * stranger would make it: params it issues to the target, tickets it signs under params the target issued.
     */
    private io.quorumd.wire.Body strangersBody(NodeKey stranger, Envelope real) {
        long now = f.world().now();
        return switch (real.type()) {
            case PM_PARAMS -> new PmParams(0, offer(stranger, target.id(), now));
            case PM_TICKET -> {
                ParamsOffer offer = offer(target.key(), stranger.nodeId(), now);
                Ticket t = Ticket.of(offer.params(), 1);
                yield new PmTicket(0, new TicketBatch(offer.params(),
                        List.of(new TicketBatch.Entry(1, stranger.sign(t.signingBytes())))));
            }
            default -> real.body();
        };
    }

    private static ParamsOffer offer(NodeKey issuer, io.quorumd.crypto.NodeId sender, long now) {
        return new ParamsIssuer(issuer.nodeId(), RandKey.of(issuer), PmPolicy.defaults())
                .issue(sender, Bytes.of(new byte[16]), now, java.math.BigInteger.valueOf(1_000_000)).get();
    }

    @Test
    void everyTypeSignedByAKeyOutsideTheRosterIsRefusedAsUnknownSender() {
        NodeKey stranger = NodeKey.fromSeed(new byte[32]);
        for (MessageType type : MessageType.values()) {
            CapturedTraffic.Sent real = tap.first(type);
            Envelope forged = signedBy(stranger, type, strangersBody(stranger, real.envelope()), real.envelope().ts());
            String topic = switch (type) {
                case PRESENCE_HEARTBEAT, PRESENCE_OFFLINE -> target.topics().presence(stranger.nodeId());
                case PM_PARAMS, PM_TICKET -> target.topics().pmTo(target.id());
                default -> real.topic();
            };
            refused(topic, forged.encode(), RejectReason.UNKNOWN_SENDER, type.wireName() + " of a stranger");
        }
    }

    @Test
    void everyTypePaddedBeyondTheSizeCapIsRefusedAsOversized() {
        for (MessageType type : MessageType.values()) {
            CapturedTraffic.Sent real = tap.first(type);
            String json = new String(real.envelope().encode(), StandardCharsets.UTF_8);
            byte[] padded = (" ".repeat(EnvelopeCodec.MAX_BYTES + 1 - json.length()) + json).getBytes(StandardCharsets.UTF_8);
            assertEquals(EnvelopeCodec.MAX_BYTES + 1, padded.length);
            refused(real.topic(), padded, RejectReason.OVERSIZED, type.wireName() + " of " + padded.length + " bytes");
        }
    }

    @Test
    void everyAddressedTypeOnAnotherSubjectsTopicIsRefusedAsWrongTopic() {
        int addressed = 0;
        for (MessageType type : MessageType.values()) {
            CapturedTraffic.Sent real = tap.first(type);
            for (SimNode owner : f.nodes()) {
                String hex = owner.id().hex();
                if (real.topic().contains(hex)) {
                    SimNode other = f.nodes().get((f.nodes().indexOf(owner) + 1) % f.nodes().size());
                    refused(real.topic().replace(hex, other.id().hex()), real.envelope().encode(), RejectReason.WRONG_TOPIC,
                            type.wireName() + " for " + owner + " on " + other + "'s topic");
                    addressed++;
                    break;
                }
            }
            if (!real.topic().equals(target.topics().orderView())) {
                refused(target.topics().orderView(), real.envelope().encode(), RejectReason.WRONG_TOPIC,
                        type.wireName() + " on the order view topic");
            }
        }
        assertEquals(10, addressed, "presence x2, checkpoint vote and final, sync x2, resp.ack, pm x3");
    }

    @Test
    void aFinalWhoseVotesAreAllValidButOneIsTheSubjectsOwnIsRefused() {
        SimNode subject = f.node(5);
        long now = f.world().now();
        CheckpointFinal last = target.core().checkpoints().latest(subject.id()).orElseThrow().checkpoint();
        CheckpointTuple t = last.tuple();
        CheckpointTuple later = new CheckpointTuple(subject.id().hex(), now - 1000, t.restarts(), t.totalUptime(),
                t.firstSeen(), last.checkpointId(), 1);
        Envelope proposal = subject.sign(MessageType.CHECKPOINT_PROPOSAL, new CheckpointProposal(later), now - 1000);
        List<SimNode> withSubject = List.of(f.node(1), f.node(2), f.node(3), f.node(4), subject);
        CheckpointFinal self = finalOf(later, proposal, withSubject, now);
        long invalid = target.metrics().protocolRejects("invalid_final");
        long ledger = target.core().ledgerEntries();
        target.receiveRaw(target.topics().checkpointFinal(subject.id().hex()),
                subject.sign(MessageType.CHECKPOINT_FINAL, self, now).encode());
        assertEquals(invalid + 1, target.metrics().protocolRejects("invalid_final"), "seed " + SEED);
        assertEquals(ledger, target.core().ledgerEntries());
        assertTrue(target.core().checkpoints().latest(subject.id()).map(c -> c.checkpoint().tuple().asOf())
                .orElse(0L) < later.asOf());
        // the same final with node-6's vote in place of the subject's is taken: the subject's vote alone made the difference
        CheckpointFinal honest = finalOf(later, proposal, List.of(f.node(1), f.node(2), f.node(3), f.node(4), f.node(6)), now);
        target.receiveRaw(target.topics().checkpointFinal(subject.id().hex()),
                subject.sign(MessageType.CHECKPOINT_FINAL, honest, now).encode());
        assertEquals(later.asOf(), target.core().checkpoints().latest(subject.id()).orElseThrow().checkpoint().tuple().asOf(),
                "rejects " + target.metrics().rejectSummary());
    }

    private static CheckpointFinal finalOf(CheckpointTuple t, Envelope proposal, List<SimNode> voters, long now) {
        List<Envelope> votes = new ArrayList<>();
        for (SimNode v : voters) {
            votes.add(v.sign(MessageType.CHECKPOINT_VOTE, new CheckpointVote(proposal.contentId(), true, t), now - 500));
        }
        return new CheckpointFinal(t, votes, Optional.of(proposal));
    }

    @Test
    void aRulingWhoseVotesAreAllValidButFromNonArbitersIsRefused() {
        SimNode buyer = f.node(5);
        SimNode seller = f.node(6);
        long now = f.world().now();
        Envelope open = buyer.sign(MessageType.DISPUTE_OPEN, new DisputeOpen("pay-2", buyer.id(), seller.id(), 100,
                "late", List.of(), now - 2000), now - 2000);
        String id = ((DisputeOpen) open.body()).disputeId();
        // node-5 and node-6 are the parties, node-4 a fallback that was never activated: none may vote
        for (List<SimNode> voters : List.of(List.of(buyer, seller), List.of(f.node(4), buyer), List.of(f.node(4), f.node(1)))) {
            List<Envelope> votes = new ArrayList<>();
            for (SimNode v : voters) {
                votes.add(v.sign(MessageType.DISPUTE_VOTE, new DisputeVote(id, Decision.BUYER, "mine", now - 1000), now - 1000));
            }
            Envelope ruling = f.node(2).sign(MessageType.DISPUTE_RULING,
                    new DisputeRuling(open, Optional.empty(), Decision.BUYER, votes), now);
            long ledger = target.core().ledgerEntries();
            int published = target.published().size();
            String before = target.metrics().rejectSummary();
            target.receiveRaw(target.topics().arbiterFinal(), ruling.encode());
            assertTrue(!before.equals(target.metrics().rejectSummary()), "counted: " + before + ", seed " + SEED);
            assertEquals(ledger, target.core().ledgerEntries(), voters + ", seed " + SEED);
            assertEquals(published, target.published().size());
            assertTrue(target.core().arbiter().orElseThrow().dispute(id).isEmpty(), voters + " ruled " + id);
        }
    }
}
