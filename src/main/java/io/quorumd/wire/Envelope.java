package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.CanonicalJson;
import io.quorumd.crypto.Hashes;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.SigningBytes;

/**
 * One signed protocol message (DESIGN §4): {@code {"v":1,"type":…,"from":…,"ts":…,"body":{…},"sig":…}}.
 * The signature covers {@code "quorumd/1\n"} followed by the canonical JSON of the envelope without
 * {@code sig}; the wire form is the canonical JSON of the whole envelope. A body that implies its signer
 * ({@link ImpliedSigner}) is carried only by that signer.
 */
public record Envelope(MessageType type, NodeId from, long ts, Body body, Bytes sig) {
    public static final int VERSION = 1;
    private static final String DOMAIN = "quorumd/1\n";

    public Envelope {
        if (!type.bodyClass().isInstance(body)) {
            throw new IllegalArgumentException(type.wireName() + " needs a " + type.bodyClass().getSimpleName()
                    + " body, got " + body.getClass().getSimpleName());
        }
        if (body instanceof ImpliedSigner s && !s.signer().equals(from)) {
            throw new IllegalArgumentException(type.wireName() + " of " + s.signer() + " cannot be signed by " + from);
        }
    }

    /** The envelope without its signature, as a JSON tree. */
    public ObjectNode unsignedJson() {
        return unsignedJson(type, from, ts, body);
    }

    static ObjectNode unsignedJson(MessageType type, NodeId from, long ts, Body body) {
        ObjectNode o = Json.object();
        o.put("v", VERSION);
        o.put("type", type.wireName());
        o.put("from", from.hex());
        o.put("ts", ts);
        o.set("body", body.toJson());
        return o;
    }

    /** The exact bytes the sender's Ed25519 signature covers. */
    public byte[] signingBytes() {
        return signingBytes(type, from, ts, body);
    }

    static byte[] signingBytes(MessageType type, NodeId from, long ts, Body body) {
        return SigningBytes.of(DOMAIN, unsignedJson(type, from, ts, body));
    }

    public ObjectNode toJson() {
        ObjectNode o = unsignedJson();
        o.put("sig", sig.base64());
        return o;
    }

    /** The content id of the whole signed envelope (first 16 bytes of SHA-256 of its canonical form). */
    public String contentId() {
        return Hashes.contentId(encode());
    }

    /** The wire form: canonical JSON of the whole envelope. */
    public byte[] encode() {
        return CanonicalJson.encode(toJson());
    }
}
