package io.quorumd.sim.fuzz;

import io.quorumd.arbiter.ArbiterMachine;
import io.quorumd.arbiter.Dispute;
import io.quorumd.arbiter.DisputeStatus;
import io.quorumd.arbiter.Reputation;
import io.quorumd.checkpoint.StoredCheckpoint;
import io.quorumd.crypto.Ed25519;
import io.quorumd.crypto.NodeId;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.wire.CheckpointFinal;
import io.quorumd.wire.CheckpointTuple;
import io.quorumd.wire.CheckpointVote;
import io.quorumd.wire.Decision;
import io.quorumd.wire.DisputeOpen;
import io.quorumd.wire.DisputeRuling;
import io.quorumd.wire.DisputeVote;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.Member;
import io.quorumd.wire.MessageType;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The safety invariants 1–6 of {@link SimFuzzTest}, checked over the honest nodes after every step. Each
 * check recomputes what it asserts from the signed envelopes with the roster's public keys, not through the
 * validators the nodes use. Finals and votes seen once are remembered for the rest of the run.
 */
final class Invariants {
    private final FuzzScenario s;
    private final SimFederation f;
    private final Roster roster;
    private final Set<NodeId> primaries = new HashSet<>();
    private final Set<NodeId> fallbacks = new HashSet<>();
    private final int minVoters;
    private final long expiryCheckMs;
    private final Set<String> finalsChecked = new HashSet<>();
    private final Set<String> rulingsChecked = new HashSet<>();
    private final Map<String, CheckpointTuple> finalBySlot = new HashMap<>();
    private final Map<String, Object> ownVoteBySlot = new HashMap<>();
    private final Map<Envelope, Boolean> signatureValid = new IdentityHashMap<>();
    private final Map<Dispute, String> disputeChecked = new IdentityHashMap<>();
    private final int[] publishedSeen;
    private final int[] unsentSeen;

    Invariants(FuzzScenario s, SimFederation f) {
        this.s = s;
        this.f = f;
        this.roster = f.node(1).config().federation().roster();
        for (int i = 1; i <= s.primaries(); i++) {
            primaries.add(f.node(i).id());
        }
        for (int i = s.primaries() + 1; i <= s.primaries() + s.fallbacks(); i++) {
            fallbacks.add(f.node(i).id());
        }
        this.minVoters = f.node(1).config().checkpoint().minVoters();
        this.expiryCheckMs = f.node(1).config().arbiter().expiryCheckEvery().toMillis();
        this.publishedSeen = new int[s.nodes() + 1];
        this.unsentSeen = new int[s.nodes() + 1];
    }

    List<SimNode> honestUp() {
        List<SimNode> out = new ArrayList<>();
        for (int i = 1; i <= s.nodes(); i++) {
            if (s.honest(i) && f.node(i).up()) {
                out.add(f.node(i));
            }
        }
        return out;
    }

    /** Runs invariants 1–6; returns the first violation found. */
    Optional<String> check() {
        if (Boolean.getBoolean("quorumd.sim.nocheck")) {
            return Optional.empty();
        }
        List<SimNode> honest = honestUp();
        for (SimNode n : honest) {
            for (StoredCheckpoint c : n.core().checkpoints().latest().values()) {
                FuzzStats.inc("inv1.finals");
                Optional<String> bad = enoughVotes(c.checkpoint());
                if (bad.isPresent()) {
                    return Optional.of("inv1 " + n + " accepted final " + c.checkpoint().checkpointId() + ": " + bad.get());
                }
                Optional<String> two = oneFinalPerSlot(c.checkpoint().tuple());
                if (two.isPresent()) {
                    return Optional.of("inv2 " + n + ": " + two.get());
                }
            }
        }
        FuzzStats.inc("inv1.steps");
        FuzzStats.inc("inv2.steps");
        for (SimNode n : honest) {
            for (Dispute d : n.core().arbiter().orElseThrow().disputes()) {
                String shape = d.status() + "/" + d.votes().size() + "/" + d.otherVotes().size() + "/"
                        + d.rulingEnvelopes().size() + "/" + d.fallback().isPresent();
                if (shape.equals(disputeChecked.put(d, shape))) {
                    continue;
                }
                Optional<String> bad = ruledRightly(d);
                if (bad.isPresent()) {
                    return Optional.of("inv3 " + n + " dispute " + d.id() + " " + d.status() + ": " + bad.get());
                }
            }
        }
        FuzzStats.inc("inv3.steps");
        Optional<String> agree = honestAgree(honest);
        if (agree.isPresent()) {
            return agree;
        }
        for (int i = 1; i <= s.nodes(); i++) {
            if (s.honest(i)) {
                Optional<String> twice = signedOnce(i);
                if (twice.isPresent()) {
                    return twice;
                }
            }
        }
        FuzzStats.inc("inv6.steps");
        return Optional.empty();
    }

    /** Invariant 1: at least minVoters votes from distinct roster voters, not the subject, valid, on this tuple. */
    Optional<String> enoughVotes(CheckpointFinal fin) {
        if (!finalsChecked.add(fin.checkpointId())) {
            return Optional.empty();
        }
        CheckpointTuple t = fin.tuple();
        Set<NodeId> voters = new HashSet<>();
        for (Envelope v : fin.votes()) {
            Optional<Member> m = roster.byId(v.from());
            if (v.type() != MessageType.CHECKPOINT_VOTE || m.isEmpty() || !m.get().has(Role.VOTER)
                    || v.from().hex().equals(t.subjectId()) || !valid(m.get(), v)
                    || !((CheckpointVote) v.body()).tuple().equals(t)) {
                continue;
            }
            voters.add(v.from());
        }
        return voters.size() >= minVoters ? Optional.empty()
                : Optional.of(voters.size() + " valid votes from distinct eligible voters, minVoters " + minVoters);
    }

    /** Invariant 2: one tuple per (subject, asOf, round) over everything any honest node ever held or sent. */
    Optional<String> oneFinalPerSlot(CheckpointTuple t) {
        String slot = t.subjectId() + "/" + t.asOf() + "/" + t.round();
        CheckpointTuple earlier = finalBySlot.putIfAbsent(slot, t);
        return earlier == null || earlier.equals(t) ? Optional.empty()
                : Optional.of("two finals for " + slot + ": " + earlier + " and " + t);
    }

    /** Invariant 3: a decision stands only on M agreeing authorized votes signed by the deadline. */
    Optional<String> ruledRightly(Dispute d) {
        FuzzStats.inc("inv3.disputes");
        List<Decision> decided = switch (d.status()) {
            case RESOLVED -> List.of(d.decision().orElseThrow());
            case CONTESTED -> List.of(Decision.BUYER, Decision.SELLER);
            default -> List.of();
        };
        for (Envelope r : d.rulingEnvelopes()) {
            if (rulingsChecked.contains(r.contentId())) {
                continue;
            }
            DisputeRuling ruling = (DisputeRuling) r.body();
            long n = agreeing(ruling.open(), ruling.fallback().isPresent(), ruling.votes(), ruling.decision());
            if (n < s.required()) {
                return Optional.of("ruling " + r.contentId() + " for " + ruling.decision() + " carries " + n + " valid votes");
            }
            rulingsChecked.add(r.contentId());
        }
        for (Decision dec : decided) {
            boolean byRuling = d.rulingEnvelopes().stream().anyMatch(r -> ((DisputeRuling) r.body()).decision() == dec);
            List<Envelope> held = new ArrayList<>(d.votes().values());
            held.addAll(d.otherVotes().values());
            long n = agreeing(d.open(), d.fallback().isPresent(), held, dec);
            if (!byRuling && n < s.required()) {
                return Optional.of(dec + " stands on " + n + " valid votes held and no ruling");
            }
        }
        return Optional.empty();
    }

    /** Whether the signature verifies against the member's key; each envelope object is checked once. */
    private boolean valid(Member m, Envelope v) {
        return signatureValid.computeIfAbsent(v, x -> Ed25519.verify(m.publicKey(), x.signingBytes(), x.sig()));
    }

    private long agreeing(Envelope open, boolean fallback, List<Envelope> votes, Decision dec) {
        DisputeOpen o = (DisputeOpen) open.body();
        long deadline = o.openedAt() + FuzzScenario.VOTING_TIMEOUT.toMillis()
                + (fallback ? FuzzScenario.FALLBACK_EXTENSION.toMillis() : 0);
        Set<NodeId> ok = new HashSet<>();
        for (Envelope v : votes) {
            if (!(v.body() instanceof DisputeVote dv) || !dv.disputeId().equals(o.disputeId()) || dv.decision() != dec
                    || dv.votedAt() > deadline) {
                continue;
            }
            boolean authorized = primaries.contains(v.from()) || (fallback && fallbacks.contains(v.from()));
            Optional<Member> m = roster.byId(v.from());
            if (authorized && m.isPresent() && valid(m.get(), v)) {
                ok.add(v.from());
            }
        }
        return ok.size();
    }

    /** Invariants 4 and 5: the same signed facts give the same status and the same reputation table. */
    private Optional<String> honestAgree(List<SimNode> honest) {
        long now = f.world().now();
        long margin = FuzzScenario.SKEW.toMillis() + expiryCheckMs + 1000;
        Map<SimNode, TreeMap<String, String>> facts = new HashMap<>();
        boolean quiet = true;
        for (SimNode n : honest) {
            TreeMap<String, String> mine = new TreeMap<>();
            for (Dispute d : n.core().arbiter().orElseThrow().disputes()) {
                mine.put(d.id(), facts(d));
                long deadline = d.body().openedAt() + FuzzScenario.VOTING_TIMEOUT.toMillis()
                        + (d.fallback().isPresent() ? FuzzScenario.FALLBACK_EXTENSION.toMillis() : 0);
                if (Math.abs(now - deadline) <= margin) {
                    quiet = false;
                }
            }
            facts.put(n, mine);
        }
        for (int i = 0; i < honest.size(); i++) {
            for (int j = i + 1; j < honest.size(); j++) {
                SimNode a = honest.get(i);
                SimNode b = honest.get(j);
                ArbiterMachine am = a.core().arbiter().orElseThrow();
                ArbiterMachine bm = b.core().arbiter().orElseThrow();
                for (Map.Entry<String, String> e : facts.get(a).entrySet()) {
                    if (!e.getValue().equals(facts.get(b).get(e.getKey()))) {
                        continue;
                    }
                    Dispute da = am.dispute(e.getKey()).orElseThrow();
                    Dispute db = bm.dispute(e.getKey()).orElseThrow();
                    long deadline = da.body().openedAt() + FuzzScenario.VOTING_TIMEOUT.toMillis()
                            + (da.fallback().isPresent() ? FuzzScenario.FALLBACK_EXTENSION.toMillis() : 0);
                    FuzzStats.inc("inv4.pairs");
                    if (Math.abs(now - deadline) > margin && da.status() != db.status()) {
                        return Optional.of("inv4 " + a + " holds " + e.getKey() + " " + da.status() + ", " + b + " "
                                + db.status() + " on the same facts");
                    }
                }
                if (quiet && facts.get(a).equals(facts.get(b))) {
                    FuzzStats.inc("inv5.pairs");
                    Map<NodeId, Reputation.Score> ra = Reputation.of(am.disputes(), am.policy());
                    Map<NodeId, Reputation.Score> rb = Reputation.of(bm.disputes(), bm.policy());
                    if (!ra.equals(rb)) {
                        return Optional.of("inv5 reputation of " + a + " " + ra + " differs from " + b + " " + rb);
                    }
                }
            }
        }
        FuzzStats.inc("inv4.steps");
        FuzzStats.inc("inv5.steps");
        return Optional.empty();
    }

    /** The signed facts held on a dispute, named by their signatures (one per signer and content). */
    private static String facts(Dispute d) {
        TreeSet<String> ids = new TreeSet<>();
        ids.add(d.open().sig().base64());
        d.votes().values().forEach(v -> ids.add(v.sig().base64()));
        d.otherVotes().values().forEach(v -> ids.add(v.sig().base64()));
        d.fallback().ifPresent(v -> ids.add(v.sig().base64()));
        d.rulingEnvelopes().forEach(v -> ids.add(v.sig().base64()));
        return String.join(",", ids);
    }

    /** Invariant 6 over what node {@code i} sent or lost unsent since the last check, across incarnations. */
    private Optional<String> signedOnce(int i) {
        SimNode n = f.node(i);
        List<Envelope> pub = n.published();
        for (; publishedSeen[i] < pub.size(); publishedSeen[i]++) {
            Optional<String> bad = ownSignature(n, pub.get(publishedSeen[i]));
            if (bad.isPresent()) {
                return bad;
            }
        }
        List<Envelope> lost = n.unsent();
        for (; unsentSeen[i] < lost.size(); unsentSeen[i]++) {
            Optional<String> bad = ownSignature(n, lost.get(unsentSeen[i]));
            if (bad.isPresent()) {
                return bad;
            }
        }
        return Optional.empty();
    }

    /** Remembers one signature of an honest node; a second, different vote for its slot is a violation. */
    Optional<String> ownSignature(SimNode n, Envelope e) {
        String slot;
        Object vote;
        if (e.body() instanceof CheckpointVote v) {
            CheckpointTuple t = v.tuple();
            slot = "cp/" + t.subjectId() + "/" + t.asOf() + "/" + t.round();
            vote = v.approve() + "/" + t;
        } else if (e.body() instanceof DisputeVote v) {
            slot = "dispute/" + v.disputeId();
            vote = v.decision();
        } else if (e.body() instanceof CheckpointFinal fin) {
            Optional<String> two = oneFinalPerSlot(fin.tuple());
            return two.map(x -> "inv2 " + n + " published: " + x);
        } else {
            return Optional.empty();
        }
        FuzzStats.inc("inv6.votes");
        Object earlier = ownVoteBySlot.putIfAbsent(e.from().hex() + "/" + slot, vote);
        return earlier == null || earlier.equals(vote) ? Optional.empty()
                : Optional.of("inv6 " + n + " signed " + earlier + " and " + vote + " for " + slot);
    }
}
