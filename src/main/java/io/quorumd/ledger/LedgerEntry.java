package io.quorumd.ledger;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.CanonicalJson;
import io.quorumd.crypto.SigningBytes;
import com.fasterxml.jackson.databind.JsonNode;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeCodec;
import io.quorumd.wire.Json;
import io.quorumd.wire.RejectReason;

/**
 * One ledger entry (DESIGN §8): {@code seq} grows by one, {@code prevHash} is the hex SHA-256 of the
 * previous entry's canonical bytes (64 zeros for the first), {@code data} a local fact or a signed message,
 * {@code sig} this node's Ed25519 signature over {@code "quorumd-ledger/1\n"} + the canonical entry
 * without {@code sig}: on every entry of a format-1 segment, and only on the {@code seal} entries of a format-2
 * one ({@link SegmentFormat}), where {@code sig} is null and absent from the JSON of every other entry. The
 * stored record payload is exactly {@link #canonicalBytes()}.
 */
public record LedgerEntry(long seq, String prevHash, long ts, EntryKind kind, ObjectNode data, Bytes sig) {
    public static final String ZERO_HASH = "0".repeat(64);
    private static final String DOMAIN = "quorumd-ledger/1\n";

    static ObjectNode unsignedJson(long seq, String prevHash, long ts, EntryKind kind, ObjectNode data) {
        ObjectNode o = Json.object();
        o.put("seq", seq);
        o.put("prevHash", prevHash);
        o.put("ts", ts);
        o.put("kind", kind.wireName());
        o.set("data", data);
        return o;
    }

    /** The bytes the entry signature covers. */
    public static byte[] signingBytes(long seq, String prevHash, long ts, EntryKind kind, ObjectNode data) {
        return SigningBytes.of(DOMAIN, unsignedJson(seq, prevHash, ts, kind, data));
    }

    public byte[] signingBytes() {
        return signingBytes(seq, prevHash, ts, kind, data);
    }

    /** True if this entry carries its own signature: a format-1 entry or a seal. */
    public boolean signed() {
        return sig != null;
    }

    public ObjectNode toJson() {
        ObjectNode o = unsignedJson(seq, prevHash, ts, kind, data);
        if (sig != null) {
            o.put("sig", sig.base64());
        }
        return o;
    }

    /**
     * The signed message an {@code accepted}, {@code signed}, {@code checkpoint} or {@code ruling} entry
     * holds in {@code data.envelope}, strictly decoded.
     */
    public Envelope envelope() throws DecodeException {
        JsonNode json = data.get("envelope");
        if (json == null) {
            throw new DecodeException(RejectReason.MISSING_FIELD, kind.wireName() + " entry has no envelope");
        }
        return EnvelopeCodec.fromJson(json);
    }

    /** The record payload: canonical JSON of the whole entry; its SHA-256 is the next entry's prevHash. */
    public byte[] canonicalBytes() {
        return CanonicalJson.encode(toJson());
    }
}
