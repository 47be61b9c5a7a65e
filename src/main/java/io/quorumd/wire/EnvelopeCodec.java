package io.quorumd.wire;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.CanonicalJson;
import io.quorumd.crypto.Ed25519;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NotCanonicalException;
import java.io.IOException;

/**
 * Bytes → {@link Envelope} with a strict schema: size cap first, then JSON, then every envelope and body
 * field checked for presence, type and form, then the whole tree against what canonical JSON can hold
 * ({@link CanonicalJson#requireCanonical}), so that computing the signing bytes of a decoded envelope
 * cannot fail. Decoding checks no signature; {@link InboundVerifier} does.
 */
public final class EnvelopeCodec {
    public static final int MAX_BYTES = 64 * 1024;

    private EnvelopeCodec() {
    }

    public static Envelope decode(byte[] payload) throws DecodeException {
        if (payload.length > MAX_BYTES) {
            throw new DecodeException(RejectReason.OVERSIZED,
                    "payload of " + payload.length + " bytes exceeds " + MAX_BYTES);
        }
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(payload);
        } catch (JacksonException e) {
            throw new DecodeException(RejectReason.MALFORMED_JSON, "not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new DecodeException(RejectReason.MALFORMED_JSON, "not JSON: " + e.getMessage());
        }
        if (tree == null || tree.isMissingNode()) {
            throw new DecodeException(RejectReason.MALFORMED_JSON, "empty payload");
        }
        Envelope envelope = fromJson(tree);
        requireCanonical(tree, "envelope");
        return envelope;
    }

    /**
     * Refuses a tree that has no canonical form (a float, a lone surrogate, an integer beyond ±(2^53−1)):
     * such a message can be neither verified nor stored, so it is a counted reject, never an exception
     * further in.
     */
    static void requireCanonical(JsonNode tree, String where) throws DecodeException {
        try {
            CanonicalJson.requireCanonical(tree);
        } catch (NotCanonicalException e) {
            throw new DecodeException(RejectReason.NOT_CANONICAL, e.getMessage());
        }
    }

    /** Reads an envelope from an already parsed tree (as embedded in ledger entries and finals). */
    public static Envelope fromJson(JsonNode tree) throws DecodeException {
        JsonFields f = new JsonFields(tree, "envelope");
        long v = f.integer("v");
        if (v != Envelope.VERSION) {
            throw new DecodeException(RejectReason.UNSUPPORTED_VERSION, "envelope version " + v + " is not supported");
        }
        MessageType type = MessageType.ofWireName(f.text("type"));
        String from = f.text("from");
        if (!NodeId.isWellFormed(from)) {
            throw new DecodeException(RejectReason.BAD_VALUE, "envelope.from must be 32 lowercase hex characters");
        }
        long ts = f.nonNegative("ts");
        ObjectNode bodyJson = f.object("body");
        Bytes sig;
        try {
            sig = Bytes.fromBase64(f.text("sig"));
        } catch (IllegalArgumentException e) {
            throw new DecodeException(RejectReason.BAD_VALUE, "envelope.sig is not base64 with padding");
        }
        if (sig.length() != Ed25519.SIGNATURE_BYTES) {
            throw new DecodeException(RejectReason.BAD_VALUE, "envelope.sig must be 64 bytes");
        }
        f.done();
        NodeId signer = new NodeId(from);
        Body body = type.parseBody(bodyJson, signer);
        return new Envelope(type, signer, ts, body, sig);
    }
}
