package io.quorumd.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.NodeId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Strict reader over one JSON object: every field read must be present with the right type, and
 * {@link #done()} refuses any field nobody read. Floating-point numbers are never integers here.
 */
public final class JsonFields {
    private static final Pattern CONTENT_ID = Pattern.compile("[0-9a-f]{32}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private final JsonNode object;
    private final String where;
    private final Set<String> read = new HashSet<>();

    public JsonFields(JsonNode object, String where) throws DecodeException {
        if (object == null || !object.isObject()) {
            throw new DecodeException(RejectReason.WRONG_TYPE, where + " must be a JSON object");
        }
        this.object = object;
        this.where = where;
    }

    private JsonNode field(String name) throws DecodeException {
        JsonNode value = object.get(name);
        if (value == null) {
            throw new DecodeException(RejectReason.MISSING_FIELD, where + "." + name + " is missing");
        }
        read.add(name);
        return value;
    }

    public long integer(String name) throws DecodeException {
        JsonNode value = field(name);
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new DecodeException(RejectReason.WRONG_TYPE, where + "." + name + " must be an integer");
        }
        return value.longValue();
    }

    public long nonNegative(String name) throws DecodeException {
        long value = integer(name);
        if (value < 0) {
            throw new DecodeException(RejectReason.BAD_VALUE, where + "." + name + " must not be negative");
        }
        return value;
    }

    public String text(String name) throws DecodeException {
        JsonNode value = field(name);
        if (!value.isTextual()) {
            throw new DecodeException(RejectReason.WRONG_TYPE, where + "." + name + " must be a string");
        }
        return value.textValue();
    }

    /** A content id (32 lowercase hex: dispute, proposal, checkpoint ids); {@code ""} too if {@code emptyAllowed}. */
    public String contentId(String name, boolean emptyAllowed) throws DecodeException {
        String value = text(name);
        if (!(emptyAllowed && value.isEmpty()) && !CONTENT_ID.matcher(value).matches()) {
            throw new DecodeException(RejectReason.BAD_VALUE, where + "." + name + " must be "
                    + (emptyAllowed ? "empty or " : "") + "32 lowercase hex characters");
        }
        return value;
    }

    /** A full SHA-256 digest: 64 lowercase hex characters. */
    public String sha256(String name) throws DecodeException {
        String value = text(name);
        if (!SHA256.matcher(value).matches()) {
            throw new DecodeException(RejectReason.BAD_VALUE, where + "." + name + " must be 64 lowercase hex characters");
        }
        return value;
    }

    /** A list of embedded envelopes, each of {@code type} (any type if null). */
    public List<Envelope> envelopes(String name, MessageType type) throws DecodeException {
        List<Envelope> out = new ArrayList<>();
        for (JsonNode e : array(name)) {
            Envelope env = EnvelopeCodec.fromJson(e);
            if (type != null && env.type() != type) {
                throw new DecodeException(RejectReason.BAD_VALUE, where + "." + name + " holds a " + env.type().wireName()
                        + ", not a " + type.wireName());
            }
            out.add(env);
        }
        return java.util.List.copyOf(out);
    }

    /** A list of JSON objects, each handed to {@code reader} with its own strict field reader. */
    public <T> List<T> objects(String name, ObjectReader<T> reader) throws DecodeException {
        List<T> out = new ArrayList<>();
        int i = 0;
        for (JsonNode e : array(name)) {
            JsonFields f = new JsonFields(e, where + "." + name + "[" + i++ + "]");
            out.add(reader.read(f));
            f.done();
        }
        return java.util.List.copyOf(out);
    }

    /** Reads one object of a list. */
    @FunctionalInterface
    public interface ObjectReader<T> {
        T read(JsonFields f) throws DecodeException;
    }

    /** A node id: 32 lowercase hex characters. */
    public NodeId nodeId(String name) throws DecodeException {
        String value = text(name);
        if (!NodeId.isWellFormed(value)) {
            throw new DecodeException(RejectReason.BAD_VALUE, where + "." + name + " must be a node id (32 lowercase hex)");
        }
        return new NodeId(value);
    }

    public boolean bool(String name) throws DecodeException {
        JsonNode value = field(name);
        if (!value.isBoolean()) {
            throw new DecodeException(RejectReason.WRONG_TYPE, where + "." + name + " must be a boolean");
        }
        return value.booleanValue();
    }

    public ObjectNode object(String name) throws DecodeException {
        JsonNode value = field(name);
        if (!value.isObject()) {
            throw new DecodeException(RejectReason.WRONG_TYPE, where + "." + name + " must be an object");
        }
        return (ObjectNode) value;
    }

    public ArrayNode array(String name) throws DecodeException {
        JsonNode value = field(name);
        if (!value.isArray()) {
            throw new DecodeException(RejectReason.WRONG_TYPE, where + "." + name + " must be a list");
        }
        return (ArrayNode) value;
    }

    /** A field of any JSON type, null included. */
    public JsonNode any(String name) throws DecodeException {
        return field(name);
    }

    /** Refuses any field that was not read. */
    public void done() throws DecodeException {
        for (var property : object.properties()) {
            String name = property.getKey();
            if (!read.contains(name)) {
                throw new DecodeException(RejectReason.UNEXPECTED_FIELD, where + "." + name + " is not allowed");
            }
        }
    }
}
