package io.quorumd.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import io.quorumd.crypto.SigningBytes;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.Json;
import io.quorumd.wire.MessageType;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Turns a valid signed message into a hostile one: random bytes, byte-level damage, JSON-level damage (fields
 * dropped, added, renamed, retyped; extreme numbers, long and odd strings, deep nesting, duplicate keys, another
 * type code), a right message on a wrong topic, and — the cases that reach the machines — a damaged body signed
 * again with a roster member's key, as a hostile member can always do. {@code members} are the keys it signs with:
 * the other members, never the target's own (a second process with the target's key is a twin, which stops the
 * target by design).
 */
final class PayloadMutator {
    /** One generated case: where it goes, what it is, and which strategy made it. */
    record Payload(String topic, byte[] bytes, String kind) {
    }

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String[] ODD_STRINGS = {"", " ", "\u0000", "\uD83D\uDE00", "\u202Eevil", "ü", "\\", "\"",
        "null", "-1", "9".repeat(40), "AAAA", "=", "node-1", "f".repeat(32), "F".repeat(32), "0".repeat(64),
        "pay-1", "\uFFFF", "\n"};

    private final List<Envelope> seeds;
    private final Map<NodeId, NodeKey> members;
    private final List<String> topics;
    private final io.quorumd.wire.Topics topicsOf;

    PayloadMutator(List<Envelope> seeds, Map<NodeId, NodeKey> members, io.quorumd.wire.Topics topicsOf, List<String> topics) {
        this.seeds = seeds;
        this.members = members;
        this.topicsOf = topicsOf;
        this.topics = topics;
    }

    Payload next(Random r) {
        Envelope seed = seeds.get(r.nextInt(seeds.size()));
        String topic = PayloadTopics.of(topicsOf, seed);
        int pick = r.nextInt(100);
        if (pick < 4) {
            return new Payload(randomTopic(r, topic), randomBytes(r), "random_bytes");
        } else if (pick < 22) {
            return new Payload(topic, damageBytes(r, seed.encode()), "byte_damage");
        } else if (pick < 47) {
            ObjectNode tree = seed.toJson();
            String kind = damageJson(r, tree, 1 + r.nextInt(3));
            return new Payload(topic, textLevel(r, tree), "json_" + kind);
        } else if (pick < 88) {
            ObjectNode tree = seed.toJson();
            String kind = r.nextBoolean() ? damageJson(r, (ObjectNode) tree.get("body"), 1 + r.nextInt(2))
                    : sameShape(r, (ObjectNode) tree.get("body"));
            if (r.nextInt(6) == 0) {
                tree.put("ts", pickNumber(r).asLong());
                kind += "+ts";
            }
            NodeKey signer = r.nextInt(5) == 0 || !members.containsKey(seed.from()) ? randomMember(r)
                    : members.get(seed.from());
            return new Payload(r.nextInt(20) == 0 ? randomTopic(r, topic) : topic, resign(tree, signer),
                    "resigned_" + kind);
        } else if (pick < 96) {
            return new Payload(randomTopic(r, topic), seed.encode(), "wrong_topic");
        } else {
            return new Payload(topic, seed.encode(), "replay");
        }
    }

    private String randomTopic(Random r, String right) {
        return switch (r.nextInt(4)) {
            case 0 -> right.replaceAll("[0-9a-f]{32}", NodeId.of(randomMember(r).publicKey()).hex());
            case 1 -> right + "/x";
            case 2 -> topics.get(r.nextInt(topics.size()));
            default -> right.replaceAll("[0-9a-f]{32}", "f".repeat(32));
        };
    }

    private NodeKey randomMember(Random r) {
        List<NodeKey> keys = new ArrayList<>(members.values());
        return keys.get(r.nextInt(keys.size()));
    }

    static byte[] randomBytes(Random r) {
        byte[] b = new byte[r.nextInt(r.nextInt(10) == 0 ? 70_000 : 300)];
        if (r.nextBoolean()) {
            r.nextBytes(b);
        } else {
            String alphabet = "{}[]\":,0123456789-+.eEtrufalsn \\u";
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) alphabet.charAt(r.nextInt(alphabet.length()));
            }
        }
        return b;
    }

    static byte[] damageBytes(Random r, byte[] in) {
        byte[] b = in;
        for (int ops = 1 + r.nextInt(4); ops > 0 && b.length > 0; ops--) {
            int at = r.nextInt(b.length);
            switch (r.nextInt(6)) {
                case 0 -> {
                    b = b.clone();
                    b[at] ^= (byte) (1 << r.nextInt(8));
                }
                case 1 -> b = java.util.Arrays.copyOf(b, at);
                case 2 -> {
                    byte[] ins = new byte[1 + r.nextInt(8)];
                    r.nextBytes(ins);
                    b = splice(b, at, at, ins);
                }
                case 3 -> {
                    int to = Math.min(b.length, at + 1 + r.nextInt(64));
                    b = splice(b, at, at, java.util.Arrays.copyOfRange(b, at, to));
                }
                case 4 -> b = splice(b, at, Math.min(b.length, at + 1 + r.nextInt(16)), new byte[0]);
                default -> {
                    b = b.clone();
                    b[at] = (byte) "{}[]\":,0-".charAt(r.nextInt(9));
                }
            }
        }
        return b;
    }

    private static byte[] splice(byte[] b, int from, int to, byte[] ins) {
        byte[] out = new byte[b.length - (to - from) + ins.length];
        System.arraycopy(b, 0, out, 0, from);
        System.arraycopy(ins, 0, out, from, ins.length);
        System.arraycopy(b, to, out, from + ins.length, b.length - to);
        return out;
    }

    /** Applies {@code ops} JSON mutations somewhere in {@code root}; returns the name of the first one. */
    String damageJson(Random r, ObjectNode root, int ops) {
        String first = null;
        for (int i = 0; i < ops; i++) {
            String kind = damageOnce(r, root);
            first = first == null ? kind : first;
        }
        return first;
    }

    private String damageOnce(Random r, ObjectNode root) {
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers);
        JsonNode c = containers.get(r.nextInt(containers.size()));
        if (c instanceof ArrayNode a) {
            switch (r.nextInt(4)) {
                case 0 -> {
                    if (!a.isEmpty()) {
                        a.remove(r.nextInt(a.size()));
                    }
                    return "array_drop";
                }
                case 1 -> {
                    if (!a.isEmpty()) {
                        a.add(a.get(r.nextInt(a.size())).deepCopy());
                    }
                    return "array_dup";
                }
                case 2 -> {
                    a.removeAll();
                    return "array_empty";
                }
                default -> {
                    if (!a.isEmpty()) {
                        a.set(r.nextInt(a.size()), value(r));
                    }
                    return "array_value";
                }
            }
        }
        ObjectNode o = (ObjectNode) c;
        List<String> names = new ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        String field = names.isEmpty() ? "x" : names.get(r.nextInt(names.size()));
        switch (r.nextInt(9)) {
            case 0 -> {
                o.remove(field);
                return "drop_field";
            }
            case 1 -> {
                o.set("extra" + r.nextInt(3), value(r));
                return "add_field";
            }
            case 2 -> {
                JsonNode v = o.remove(field);
                o.set(field + (r.nextBoolean() ? "s" : "_"), v == null ? F.nullNode() : v);
                return "rename_field";
            }
            case 3, 4 -> {
                o.set(field, value(r));
                return "retype_value";
            }
            case 5 -> {
                o.set(field, pickNumber(r));
                return "number";
            }
            case 6 -> {
                o.put(field, oddString(r));
                return "string";
            }
            case 7 -> {
                o.set(field, nested(r, 2 + r.nextInt(r.nextInt(8) == 0 ? 990 : 60)));
                return "nesting";
            }
            default -> {
                o.set(field, splice(r, field));
                return "splice";
            }
        }
    }

    /**
     * Changes one scalar of {@code root} to another value of the same JSON type (a number to another number, a
     * string to the same field of another seed or to a near copy): the schema still holds, the machines decide.
     */
    private String sameShape(Random r, ObjectNode root) {
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers);
        List<Object[]> scalars = new ArrayList<>();
        for (JsonNode c : containers) {
            if (c instanceof ObjectNode o) {
                o.properties().forEach(e -> {
                    if (e.getValue().isValueNode()) {
                        scalars.add(new Object[] {o, e.getKey()});
                    }
                });
            }
        }
        if (scalars.isEmpty()) {
            return damageJson(r, root, 1);
        }
        Object[] at = scalars.get(r.nextInt(scalars.size()));
        ObjectNode o = (ObjectNode) at[0];
        String field = (String) at[1];
        JsonNode v = o.get(field);
        if (v.isIntegralNumber()) {
            long[] near = {0, 1, v.asLong() + 1, v.asLong() - 1, v.asLong() * 2, (1L << 53) - 1, Integer.MAX_VALUE,
                v.asLong() + 86_400_000L, v.asLong() - 86_400_000L};
            o.put(field, Math.max(0, near[r.nextInt(near.length)]));
            return "shape_number";
        } else if (v.isTextual() && r.nextBoolean()) {
            JsonNode other = splice(r, field);
            o.set(field, other.isTextual() ? other : v);
            return "shape_splice";
        } else if (v.isTextual() && !v.asText().isEmpty()) {
            char[] chars = v.asText().toCharArray();
            int i = r.nextInt(chars.length);
            chars[i] = "0123456789abcdefA=+/-".charAt(r.nextInt(21));
            o.put(field, new String(chars));
            return "shape_char";
        } else if (v.isBoolean()) {
            o.put(field, !v.asBoolean());
            return "shape_bool";
        }
        return damageJson(r, root, 1);
    }

    private static void collect(JsonNode n, List<JsonNode> out) {
        if (n.isContainerNode()) {
            out.add(n);
            for (Iterator<JsonNode> it = n.elements(); it.hasNext();) {
                collect(it.next(), out);
            }
        }
    }

    /** The same field taken from another seed: well-formed values that belong elsewhere. */
    private JsonNode splice(Random r, String field) {
        for (int tries = 0; tries < 8; tries++) {
            JsonNode found = seeds.get(r.nextInt(seeds.size())).toJson().findValue(field);
            if (found != null) {
                return found;
            }
        }
        return value(r);
    }

    private static JsonNode value(Random r) {
        return switch (r.nextInt(8)) {
            case 0 -> F.nullNode();
            case 1 -> F.booleanNode(r.nextBoolean());
            case 2 -> pickNumber(r);
            case 3 -> F.textNode(oddString(r));
            case 4 -> F.objectNode().put("k", r.nextInt());
            case 5 -> F.arrayNode().add(r.nextInt()).add("x");
            case 6 -> F.arrayNode();
            default -> F.objectNode();
        };
    }

    static JsonNode pickNumber(Random r) {
        return switch (r.nextInt(12)) {
            case 0 -> F.numberNode(Long.MAX_VALUE);
            case 1 -> F.numberNode(Long.MIN_VALUE);
            case 2 -> F.numberNode(-1L);
            case 3 -> F.numberNode(0L);
            case 4 -> F.numberNode((1L << 53) - 1);
            case 5 -> F.numberNode(1L << 53);
            case 6 -> F.numberNode(new BigInteger("1" + "0".repeat(30)));
            case 7 -> F.numberNode(1.5e308);
            case 8 -> F.numberNode(0.5);
            case 9 -> F.numberNode(Integer.MAX_VALUE + 1L);
            case 10 -> F.numberNode(-(1L << 53) + 1);
            default -> F.numberNode(r.nextLong() >> r.nextInt(64));
        };
    }

    private static String oddString(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> "x".repeat(r.nextBoolean() ? 1000 : 70_000);
            case 1 -> "\uD800";
            default -> ODD_STRINGS[r.nextInt(ODD_STRINGS.length)];
        };
    }

    private static JsonNode nested(Random r, int depth) {
        JsonNode n = F.numberNode(1);
        for (int i = 0; i < depth; i++) {
            n = r.nextBoolean() ? F.arrayNode().add(n) : F.objectNode().set("a", n);
        }
        return n;
    }

    /** Serializes {@code tree}, sometimes with a text-level change: a duplicated key, another type code. */
    private byte[] textLevel(Random r, ObjectNode tree) {
        String text;
        try {
            text = Json.MAPPER.writeValueAsString(tree);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        switch (r.nextInt(6)) {
            case 0 -> text = text.replaceFirst("\\{\"", "{\"ts\":1,\"");
            case 1 -> text = text.replaceFirst("\"type\":\"[^\"]*\"", "\"type\":\""
                    + MessageType.values()[r.nextInt(MessageType.values().length)].wireName() + "\"");
            case 2 -> text = text.replaceFirst("\"v\":1", "\"v\":" + (r.nextBoolean() ? "2" : "1.0"));
            case 3 -> {
                int depth = 900 + r.nextInt(5000);
                text = text.replaceFirst("\"body\":\\{", "\"body\":{\"deep\":" + "[".repeat(depth) + "]".repeat(depth) + ",");
            }
            default -> {
            }
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Signs the envelope {@code tree} (its {@code sig} replaced) with {@code key}, as {@code key}'s member; a tree
     * that has no canonical form cannot be signed and goes out with its old signature.
     */
    static byte[] resign(ObjectNode tree, NodeKey key) {
        tree.put("from", key.nodeId().hex());
        ObjectNode unsigned = tree.deepCopy();
        unsigned.remove("sig");
        try {
            tree.put("sig", key.sign(SigningBytes.of("quorumd/1\n", unsigned)).base64());
        } catch (RuntimeException notCanonical) {
            // an unsignable tree (a float, a lone surrogate): sent as it is
        }
        try {
            return Json.MAPPER.writeValueAsBytes(tree);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
