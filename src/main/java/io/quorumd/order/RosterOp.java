package io.quorumd.order;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.CanonicalJson;
import io.quorumd.crypto.Ed25519;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Json;
import io.quorumd.wire.JsonFields;
import io.quorumd.wire.OrderRequest;
import io.quorumd.wire.RejectReason;
import io.quorumd.wire.Role;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The operations a committed batch may carry (DESIGN §12): the four roster changes, each closing its epoch
 * when it executes, and {@code noop}, which changes nothing but the log (liveness probes, benchmarks). Args are
 * read strictly: a missing, extra or malformed field makes the request invalid on every node alike.
 * <p>
 * Proof of possession: the new key's Ed25519 signature over {@code "quorumd-pop/1\n"} followed by the
 * canonical JSON of {op, epoch, name, newPublicKey, requestedAt}, so a member cannot enrol or rotate to a key it
 * does not hold, and a pop cannot be lifted into another op, epoch, request or name. A new member joins without
 * the replica role (a replica that is not running yet would raise q with no vote behind it); it gets the role
 * with {@code roster.roles} once it runs.
 */
public sealed interface RosterOp {
    String ADD = "roster.add";
    String REMOVE = "roster.remove";
    String ROLES = "roster.roles";
    String ROTATE = "roster.rotate";
    String NOOP = "noop";
    int MAX_NOTE = 128;
    Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /** Admit a new member. */
    record Add(String name, Bytes publicKey, Set<Role> roles, Bytes pop) implements RosterOp {
    }

    /** Expel a member. */
    record Remove(NodeId nodeId) implements RosterOp {
    }

    /** Replace a member's roles. */
    record Roles(NodeId nodeId, Set<Role> roles) implements RosterOp {
    }

    /** The requesting member's own key is replaced by {@code newPublicKey}. */
    record Rotate(Bytes newPublicKey, Bytes pop) implements RosterOp {
    }

    /** Whether a request with this op changes the roster (and so closes the epoch if it executes). */
    static boolean isRosterOp(String op) {
        return op.equals(ADD) || op.equals(REMOVE) || op.equals(ROLES) || op.equals(ROTATE);
    }

    /**
     * The roster op of {@code r}; empty for a {@code noop} with valid args. Throws for an unknown op or args
     * that do not fit the op's schema.
     */
    static Optional<RosterOp> parse(OrderRequest r) throws DecodeException {
        JsonFields f = new JsonFields(r.args(), "args");
        RosterOp op = switch (r.op()) {
            case ADD -> new Add(name(f.text("name")), key(f.text("publicKey"), "publicKey"), roles(f.array("roles")),
                    sig(f.text("pop")));
            case REMOVE -> new Remove(f.nodeId("nodeId"));
            case ROLES -> new Roles(f.nodeId("nodeId"), roles(f.array("roles")));
            case ROTATE -> new Rotate(key(f.text("newPublicKey"), "newPublicKey"), sig(f.text("pop")));
            case NOOP -> {
                if (r.args().has("note") && f.text("note").length() > MAX_NOTE) {
                    throw new DecodeException(RejectReason.BAD_VALUE, "args.note is longer than " + MAX_NOTE);
                }
                yield null;
            }
            default -> throw new DecodeException(RejectReason.BAD_VALUE, "unknown op " + r.op());
        };
        f.done();
        return Optional.ofNullable(op);
    }

    /** The bytes a proof of possession signs. */
    static byte[] popMessage(String op, long epoch, String name, Bytes newPublicKey, long requestedAt) {
        ObjectNode o = Json.object();
        o.put("op", op);
        o.put("epoch", epoch);
        o.put("name", name);
        o.put("newPublicKey", newPublicKey.base64());
        o.put("requestedAt", requestedAt);
        byte[] prefix = "quorumd-pop/1\n".getBytes(StandardCharsets.UTF_8);
        byte[] body = CanonicalJson.encode(o);
        byte[] out = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(body, 0, out, prefix.length, body.length);
        return out;
    }

    /** A proof of possession: {@link #popMessage} signed by the key it proves, and the time it names. */
    record Proof(Bytes pop, long at) {
        /** The proof {@code key} signs for {@code op} under {@code name} in {@code epoch}, dated {@code at}. */
        public static Proof sign(NodeKey key, String op, long epoch, String name, long at) {
            return new Proof(key.sign(popMessage(op, epoch, name, key.publicKey(), at)), at);
        }
    }

    static boolean popVerifies(String op, long epoch, String name, Bytes newPublicKey, long requestedAt, Bytes pop) {
        return Ed25519.verify(newPublicKey, popMessage(op, epoch, name, newPublicKey, requestedAt), pop);
    }

    /** Args of {@code roster.add}; {@code pop} from {@link #popMessage} signed by the new key. */
    static ObjectNode addArgs(String name, Bytes publicKey, Collection<Role> roles, Bytes pop) {
        ObjectNode o = Json.object();
        o.put("name", name);
        o.put("publicKey", publicKey.base64());
        rolesInto(o, roles);
        o.put("pop", pop.base64());
        return o;
    }

    static ObjectNode removeArgs(NodeId nodeId) {
        ObjectNode o = Json.object();
        o.put("nodeId", nodeId.hex());
        return o;
    }

    static ObjectNode rolesArgs(NodeId nodeId, Collection<Role> roles) {
        ObjectNode o = Json.object();
        o.put("nodeId", nodeId.hex());
        rolesInto(o, roles);
        return o;
    }

    static ObjectNode rotateArgs(Bytes newPublicKey, Bytes pop) {
        ObjectNode o = Json.object();
        o.put("newPublicKey", newPublicKey.base64());
        o.put("pop", pop.base64());
        return o;
    }

    private static void rolesInto(ObjectNode o, Collection<Role> roles) {
        ArrayNode a = o.putArray("roles");
        EnumSet<Role> sorted = EnumSet.noneOf(Role.class);
        sorted.addAll(roles);
        sorted.forEach(r -> a.add(r.code()));
    }

    private static String name(String text) throws DecodeException {
        if (!NAME.matcher(text).matches()) {
            throw new DecodeException(RejectReason.BAD_VALUE,
                    "args.name must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return text;
    }

    private static Bytes key(String text, String field) throws DecodeException {
        Bytes key = base64(text, field);
        if (!Ed25519.isPublicKey(key)) {
            throw new DecodeException(RejectReason.BAD_VALUE, "args." + field + " must be a 32-byte Ed25519 public key");
        }
        return key;
    }

    private static Bytes sig(String text) throws DecodeException {
        Bytes sig = base64(text, "pop");
        if (sig.length() != Ed25519.SIGNATURE_BYTES) {
            throw new DecodeException(RejectReason.BAD_VALUE, "args.pop must be a 64-byte Ed25519 signature");
        }
        return sig;
    }

    private static Bytes base64(String text, String field) throws DecodeException {
        try {
            return Bytes.fromBase64(text);
        } catch (IllegalArgumentException e) {
            throw new DecodeException(RejectReason.BAD_VALUE, "args." + field + " is not standard base64");
        }
    }

    private static Set<Role> roles(ArrayNode list) throws DecodeException {
        List<Role> roles = new ArrayList<>();
        for (JsonNode n : list) {
            Optional<Role> r = n.isTextual() ? Role.ofCode(n.textValue()) : Optional.empty();
            if (r.isEmpty() || roles.contains(r.get())) {
                throw new DecodeException(RejectReason.BAD_VALUE, "args.roles must list distinct roles among voter, arbiter,"
                        + " fallback-arbiter, replica");
            }
            roles.add(r.get());
        }
        if (roles.contains(Role.ARBITER) && roles.contains(Role.FALLBACK_ARBITER)) {
            throw new DecodeException(RejectReason.BAD_VALUE, "a member is either a primary arbiter or a fallback arbiter");
        }
        return roles.isEmpty() ? Set.of() : EnumSet.copyOf(roles);
    }
}
