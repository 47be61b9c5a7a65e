package io.quorumd.order;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.CanonicalJson;
import io.quorumd.crypto.Hashes;
import io.quorumd.crypto.NodeId;
import io.quorumd.pm.Accounts;
import io.quorumd.pm.PmOp;
import io.quorumd.pm.PmPolicy;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Json;
import io.quorumd.wire.JsonFields;
import io.quorumd.wire.RejectReason;
import io.quorumd.wire.Member;
import io.quorumd.wire.OrderItem;
import io.quorumd.wire.OrderRequest;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The replicated state of ordering (DESIGN §12): epoch, roster and key lineage, changed only by executing
 * committed batches, identically on every node. A roster change that executes closes the epoch: the next
 * epoch starts at the following seq with the new roster ({@link #closedEpoch()}). Execution may refuse a
 * change, deterministically, with a reason kept in {@link #lastResults()}: a name or key already used (keys
 * rotated away included), a member that is not there, a change that leaves fewer than
 * {@link Quorum#MIN_REPLICAS} replicas, roles that change nothing. The pm account operations of §14 execute
 * through {@link FederationAccounts} and never close an epoch; their refusals read "code: detail". Loop thread only.
 */
public final class FederationState implements OrderState {
    /** The outcome of one executed request. */
    public record Result(String requestId, NodeId requester, String op, boolean ok, String reason) {
    }

    /** An epoch closed by a roster change executed at {@code startSeq - 1}. */
    public record EpochChange(long epoch, long startSeq, Roster roster, Map<NodeId, NodeId> lineage, Result cause) {
    }

    private long epoch;
    private Roster roster;
    private final Map<NodeId, NodeId> lineage;
    private long lastSeq;
    private long lastTs;
    private List<Result> lastResults = List.of();
    private EpochChange closed;
    private final FederationAccounts pm;

    /** The state at the start of {@code epoch} (the anchor), after seq {@code lastSeq} executed at {@code lastTs}. */
    public FederationState(long epoch, Roster roster, Map<NodeId, NodeId> lineage, long lastSeq, long lastTs) {
        this(epoch, roster, lineage, lastSeq, lastTs, new FederationAccounts(PmPolicy.defaults()));
    }

    private FederationState(long epoch, Roster roster, Map<NodeId, NodeId> lineage, long lastSeq, long lastTs,
                            FederationAccounts pm) {
        this.pm = pm;
        this.epoch = epoch;
        this.roster = roster;
        this.lineage = new LinkedHashMap<>(lineage);
        this.lastSeq = lastSeq;
        this.lastTs = lastTs;
    }

    public static FederationState anchor(Roster roster) {
        return new FederationState(0, roster, Map.of(), 0, 0);
    }

    /**
     * The anchor of a node whose {@code pm} config section gives {@code policy}: its ordered-time parameters
     * (unlockPeriod, claimWindow, reservePeriod) become part of the replicated state, so they must be equal on
     * every node.
     */
    public static FederationState anchor(Roster roster, PmPolicy policy) {
        return new FederationState(0, roster, Map.of(), 0, 0, new FederationAccounts(FederationAccounts.ofConfig(policy)));
    }

    /** The micropayment accounts (DESIGN §14), changed only by executed pm ops. Read only. */
    public Accounts accounts() {
        return pm.accounts();
    }

    public long epoch() {
        return epoch;
    }

    public Roster roster() {
        return roster;
    }

    /** Rotated keys: old node id → the id it rotated to. */
    public Map<NodeId, NodeId> lineage() {
        return Map.copyOf(lineage);
    }

    public long lastSeq() {
        return lastSeq;
    }

    public long lastTs() {
        return lastTs;
    }

    /** The results of the items the last {@link #apply} executed, in batch order. */
    public List<Result> lastResults() {
        return lastResults;
    }

    /** The epoch change the last {@link #apply} made, if it made one. */
    public Optional<EpochChange> closedEpoch() {
        return Optional.ofNullable(closed);
    }

    @Override
    public void apply(long seq, long ts, List<OrderItem> items) {
        List<Result> results = new ArrayList<>();
        closed = null;
        for (OrderItem item : items) {
            OrderRequest r = (OrderRequest) item.request().body();
            NodeId from = item.request().from();
            String refusal;
            if (closed != null) {
                refusal = "the batch changed the roster before this request";
            } else {
                refusal = (PmOp.isPmOp(r.op()) ? pm.execute(seq, Math.max(lastTs, ts), from, r, roster)
                        : execute(r, from, seq)).orElse(null);
            }
            Result result = new Result(item.requestId(), from, r.op(), refusal == null, refusal == null ? "" : refusal);
            results.add(result);
            if (refusal == null && RosterOp.isRosterOp(r.op())) {
                epoch++;
                closed = new EpochChange(epoch, seq + 1, roster, Map.copyOf(lineage), result);
            }
        }
        lastSeq = seq;
        lastTs = Math.max(lastTs, ts);
        lastResults = List.copyOf(results);
    }

    private Optional<String> execute(OrderRequest r, NodeId from, long seq) {
        Optional<RosterOp> parsed;
        try {
            parsed = RosterOp.parse(r);
        } catch (DecodeException e) {
            return Optional.of(e.getMessage());
        }
        if (parsed.isEmpty()) {
            return Optional.empty();
        }
        List<Member> next = new ArrayList<>(roster.members());
        NodeId rotatedFrom = null;
        NodeId rotatedTo = null;
        RosterOp op = parsed.get();
        if (op instanceof RosterOp.Add a) {
            if (roster.byName(a.name()).isPresent()) {
                return Optional.of("name " + a.name() + " is taken");
            }
            Member m = new Member(a.name(), a.publicKey(), a.roles());
            if (keyUsed(m.nodeId())) {
                return Optional.of("that public key is or was a member's");
            }
            next.add(m);
        } else if (op instanceof RosterOp.Remove rm) {
            if (roster.byId(rm.nodeId()).isEmpty()) {
                return Optional.of(rm.nodeId().shortHex() + " is not a member");
            }
            next.removeIf(m -> m.nodeId().equals(rm.nodeId()));
        } else if (op instanceof RosterOp.Roles ro) {
            Optional<Member> m = roster.byId(ro.nodeId());
            if (m.isEmpty()) {
                return Optional.of(ro.nodeId().shortHex() + " is not a member");
            }
            if (m.get().roles().equals(ro.roles())) {
                return Optional.of(m.get().name() + " has these roles already");
            }
            next.set(next.indexOf(m.get()), new Member(m.get().name(), m.get().publicKey(), ro.roles()));
        } else if (op instanceof RosterOp.Rotate rot) {
            Member m = roster.byId(from).orElseThrow();
            Member rotated = new Member(m.name(), rot.newPublicKey(), m.roles());
            if (keyUsed(rotated.nodeId())) {
                return Optional.of("that public key is or was a member's");
            }
            next.set(next.indexOf(m), rotated);
            rotatedFrom = m.nodeId();
            rotatedTo = rotated.nodeId();
        }
        long replicas = next.stream().filter(m -> m.has(Role.REPLICA)).count();
        if (replicas < Quorum.MIN_REPLICAS) {
            return Optional.of("it would leave " + replicas + " replicas; ordering needs " + Quorum.MIN_REPLICAS);
        }
        roster = new Roster(next);
        if (rotatedFrom != null) {
            lineage.put(rotatedFrom, rotatedTo);
            pm.rotated(rotatedFrom, rotatedTo);
        }
        return Optional.empty();
    }

    private boolean keyUsed(NodeId id) {
        return roster.byId(id).isPresent() || lineage.containsKey(id) || lineage.containsValue(id);
    }

    /** The current id of a member that may have rotated its key since {@code id} was its id. */
    public NodeId current(NodeId id) {
        NodeId at = id;
        for (int i = 0; i <= lineage.size() && lineage.containsKey(at); i++) {
            at = lineage.get(at);
        }
        return at;
    }

    @Override
    public boolean closesEpoch() {
        return closed != null;
    }

    @Override
    public String digest() {
        return Hashes.sha256(CanonicalJson.encode(toJson())).hex();
    }

    /** A copy, for a node that starts from it (an exported anchor) or a verifier that replays from it. */
    public FederationState copy() {
        return new FederationState(epoch, roster, lineage, lastSeq, lastTs, pm.copy());
    }

    /** The state {@link #toJson} wrote; strict, so a ledger or anchor file that was altered is refused. */
    public static FederationState fromJson(JsonNode json) throws DecodeException {
        JsonFields f = new JsonFields(json, "state");
        long epoch = f.nonNegative("epoch");
        List<Member> members = f.objects("roster", m -> {
            String name = m.text("name");
            Bytes key;
            try {
                key = Bytes.fromBase64(m.text("publicKey"));
            } catch (IllegalArgumentException e) {
                throw new DecodeException(RejectReason.BAD_VALUE, "state.roster holds a key that is not base64");
            }
            Set<Role> roles = EnumSet.noneOf(Role.class);
            for (JsonNode r : m.array("roles")) {
                roles.add(Role.ofCode(r.asText()).orElseThrow(
                        () -> new DecodeException(RejectReason.BAD_VALUE, "state.roster names an unknown role")));
            }
            return new Member(name, key, roles);
        });
        Map<NodeId, NodeId> lineage = new LinkedHashMap<>();
        for (NodeId[] pair : f.objects("lineage", l -> new NodeId[] {l.nodeId("from"), l.nodeId("to")})) {
            lineage.put(pair[0], pair[1]);
        }
        long lastSeq = f.nonNegative("lastSeq");
        long lastTs = f.nonNegative("lastTs");
        FederationAccounts pm = FederationAccounts.readFrom(json, f);
        f.done();
        try {
            return new FederationState(epoch, new Roster(members), lineage, lastSeq, lastTs, pm);
        } catch (IllegalArgumentException e) {
            throw new DecodeException(RejectReason.BAD_VALUE, "state.roster: " + e.getMessage());
        }
    }

    /**
     * The canonical replicated state: epoch, roster sorted by node id, lineage sorted by old id, last seq and ts, and
     * the pm accounts and their time parameters where {@link FederationAccounts} writes them.
     */
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("epoch", epoch);
        ArrayNode members = o.putArray("roster");
        roster.members().stream().sorted(Comparator.comparing(m -> m.nodeId().hex())).forEach(m -> {
            ObjectNode e = members.addObject();
            e.put("name", m.name());
            e.put("publicKey", m.publicKey().base64());
            ArrayNode roles = e.putArray("roles");
            (m.roles().isEmpty() ? Set.<Role>of() : EnumSet.copyOf(m.roles())).forEach(x -> roles.add(x.code()));
        });
        ArrayNode lin = o.putArray("lineage");
        new TreeSet<>(lineage.keySet()).forEach(old -> {
            ObjectNode e = lin.addObject();
            e.put("from", old.hex());
            e.put("to", lineage.get(old).hex());
        });
        o.put("lastSeq", lastSeq);
        o.put("lastTs", lastTs);
        pm.writeTo(o);
        return o;
    }
}
