package io.quorumd.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.arbiter.ArbiterPolicy;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.Ed25519;
import io.quorumd.crypto.NodeId;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Json;
import io.quorumd.wire.JsonFields;
import io.quorumd.wire.Member;
import io.quorumd.wire.RejectReason;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The data of a boot entry: who this node is (name, id, public key), the roster and the checkpoint
 * quorum in force, so that a data dir can be verified on its own, with no config at hand; and, when the node
 * orders federation updates, the ordering epoch it starts in ({@link #NOT_ORDERING} otherwise: the field is
 * left out).
 */
public record BootRecord(String name, Bytes publicKey, Roster roster, int checkpointMinVoters, Policy arbiter,
                         String version, long startedAt, long epoch) {
    public static final long NOT_ORDERING = -1;

    public BootRecord(String name, Bytes publicKey, Roster roster, int checkpointMinVoters, Policy arbiter,
                      String version, long startedAt) {
        this(name, publicKey, roster, checkpointMinVoters, arbiter, version, startedAt, NOT_ORDERING);
    }

    /** The boot entry of a node of {@code config} starting with {@code publicKey} in {@code epoch}. */
    public static BootRecord of(io.quorumd.config.QuorumdConfig config, Bytes publicKey, long startedAt, long epoch) {
        var a = config.arbiter();
        return new BootRecord(config.node().name(), publicKey, config.federation().roster(), config.checkpoint().minVoters(),
                new Policy(a.required(), a.votingTimeout().toMillis(), a.fallbackExtension().toMillis(),
                        config.federation().clockSkew().toMillis()), io.quorumd.Version.get(), startedAt, epoch);
    }

    /** The arbitration rules in force (M, voting period, fallback extension, the federation's clock skew). */
    public record Policy(int required, long votingTimeoutMs, long fallbackExtensionMs, long skewMs) {
    }

    public NodeId nodeId() {
        return NodeId.of(publicKey);
    }

    /** The arbitration rules this boot entry put in force, or empty if its roster names no primary arbiter. */
    public Optional<ArbiterPolicy> arbiterPolicy() {
        return arbiterPolicy(roster);
    }

    /** This boot entry's arbitration rules over {@code roster} (the ordered roster, once ordering changed it). */
    public Optional<ArbiterPolicy> arbiterPolicy(Roster roster) {
        if (roster.members().stream().noneMatch(m -> m.has(Role.ARBITER))) {
            return Optional.empty();
        }
        try {
            return Optional.of(ArbiterPolicy.of(roster, arbiter.required(), arbiter.votingTimeoutMs(),
                    arbiter.fallbackExtensionMs(), arbiter.skewMs(), ArbiterPolicy.DEFAULT_MAX_OPEN_PER_MEMBER));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("name", name);
        o.put("nodeId", nodeId().hex());
        o.put("publicKey", publicKey.base64());
        ArrayNode members = o.putArray("roster");
        for (Member m : roster.members()) {
            ObjectNode e = members.addObject();
            e.put("name", m.name());
            e.put("publicKey", m.publicKey().base64());
            ArrayNode roles = e.putArray("roles");
            m.roles().stream().sorted().forEach(r -> roles.add(r.code()));
        }
        o.put("checkpointMinVoters", checkpointMinVoters);
        ObjectNode a = o.putObject("arbiter");
        a.put("required", arbiter.required());
        a.put("votingTimeoutMs", arbiter.votingTimeoutMs());
        a.put("fallbackExtensionMs", arbiter.fallbackExtensionMs());
        a.put("skewMs", arbiter.skewMs());
        o.put("version", version);
        o.put("startedAt", startedAt);
        if (epoch != NOT_ORDERING) {
            o.put("epoch", epoch);
        }
        return o;
    }

    public static BootRecord parse(ObjectNode data) throws DecodeException {
        JsonFields f = new JsonFields(data, "boot");
        String name = f.text("name");
        String nodeId = f.text("nodeId");
        Bytes key = key(f.text("publicKey"), "boot.publicKey");
        List<Member> members = new ArrayList<>();
        for (JsonNode m : f.array("roster")) {
            JsonFields mf = new JsonFields(m, "boot.roster[]");
            String memberName = mf.text("name");
            Bytes memberKey = key(mf.text("publicKey"), "boot.roster[].publicKey");
            Set<Role> roles = EnumSet.noneOf(Role.class);
            for (JsonNode r : mf.array("roles")) {
                roles.add(Role.ofCode(r.asText()).orElseThrow(() ->
                        new DecodeException(RejectReason.BAD_VALUE, "unknown role " + r.asText())));
            }
            mf.done();
            members.add(new Member(memberName, memberKey, roles));
        }
        long minVoters = f.integer("checkpointMinVoters");
        JsonFields af = new JsonFields(f.object("arbiter"), "boot.arbiter");
        Policy policy = new Policy((int) af.integer("required"), af.integer("votingTimeoutMs"),
                af.integer("fallbackExtensionMs"), af.integer("skewMs"));
        af.done();
        String version = f.text("version");
        long startedAt = f.integer("startedAt");
        long epoch = data.has("epoch") ? f.nonNegative("epoch") : NOT_ORDERING;
        f.done();
        if (!NodeId.of(key).hex().equals(nodeId)) {
            throw new DecodeException(RejectReason.BAD_VALUE, "boot.nodeId does not match boot.publicKey");
        }
        try {
            return new BootRecord(name, key, new Roster(members), (int) minVoters, policy, version, startedAt, epoch);
        } catch (IllegalArgumentException e) {
            throw new DecodeException(RejectReason.BAD_VALUE, "boot.roster: " + e.getMessage());
        }
    }

    private static Bytes key(String base64, String where) throws DecodeException {
        try {
            Bytes key = Bytes.fromBase64(base64);
            if (key.length() != Ed25519.PUBLIC_KEY_BYTES) {
                throw new DecodeException(RejectReason.BAD_VALUE, where + " must be 32 bytes");
            }
            return key;
        } catch (IllegalArgumentException e) {
            throw new DecodeException(RejectReason.BAD_VALUE, where + " is not base64 with padding");
        }
    }
}
