package io.quorumd.ledger;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.Ed25519;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Json;
import io.quorumd.wire.JsonFields;
import io.quorumd.wire.RejectReason;
import java.io.IOException;

/**
 * Record payload → {@link LedgerEntry}, strictly: every field present, typed and well-formed; {@code sig} where
 * the segment's format calls for it and nowhere else ({@link SegmentFormat}).
 */
public final class EntryCodec {
    private EntryCodec() {
    }

    /** 64 lowercase hex digits (a SHA-256); without a regex, which costs more than the rest of a replayed entry. */
    private static boolean isHash(String s) {
        if (s.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                return false;
            }
        }
        return true;
    }

    /** An entry of either format: {@code sig} required on a seal, optional elsewhere. */
    public static LedgerEntry decode(byte[] payload) throws DecodeException {
        return decode(payload, 0);
    }

    /**
     * An entry of a segment in {@code format} (0: either): in format 1 every entry is signed and none is a seal; in
     * format 2 a seal is signed and no other entry is.
     */
    public static LedgerEntry decode(byte[] payload, int format) throws DecodeException {
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(payload);
        } catch (JacksonException e) {
            throw new DecodeException(RejectReason.MALFORMED_JSON, "entry is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new DecodeException(RejectReason.MALFORMED_JSON, "entry is not JSON: " + e.getMessage());
        }
        JsonFields f = new JsonFields(tree, "entry");
        long seq = f.integer("seq");
        String prevHash = f.text("prevHash");
        long ts = f.integer("ts");
        String kindName = f.text("kind");
        var data = f.object("data");
        String sigText = tree.has("sig") ? f.text("sig") : null;
        f.done();
        if (seq < 1) {
            throw new DecodeException(RejectReason.BAD_VALUE, "entry.seq must be at least 1");
        }
        if (!isHash(prevHash)) {
            throw new DecodeException(RejectReason.BAD_VALUE, "entry.prevHash must be 64 lowercase hex");
        }
        EntryKind kind = EntryKind.ofWireName(kindName).orElseThrow(() ->
                new DecodeException(RejectReason.UNKNOWN_TYPE, "unknown entry kind " + kindName));
        boolean seal = kind == EntryKind.SEAL;
        if (sigText == null && (seal || format == SegmentFormat.SIGNED_ENTRIES)) {
            throw new DecodeException(RejectReason.MISSING_FIELD, "entry.sig is missing");
        }
        if (seal && format == SegmentFormat.SIGNED_ENTRIES) {
            throw new DecodeException(RejectReason.BAD_VALUE, "a seal entry in a format-1 segment");
        }
        if (sigText != null && !seal && format == SegmentFormat.SEALED) {
            throw new DecodeException(RejectReason.UNEXPECTED_FIELD, "entry.sig on an entry that is not a seal, in a"
                    + " format-2 segment");
        }
        if (sigText == null) {
            return new LedgerEntry(seq, prevHash, ts, kind, data, null);
        }
        Bytes sig;
        try {
            sig = Bytes.fromBase64(sigText);
        } catch (IllegalArgumentException e) {
            throw new DecodeException(RejectReason.BAD_VALUE, "entry.sig is not base64 with padding");
        }
        if (sig.length() != Ed25519.SIGNATURE_BYTES) {
            throw new DecodeException(RejectReason.BAD_VALUE, "entry.sig must be 64 bytes");
        }
        if (seal) {
            var from = data.get("from");
            if (data.size() != 1 || from == null || !from.isIntegralNumber() || from.longValue() < 1
                    || from.longValue() >= seq) {
                throw new DecodeException(RejectReason.BAD_VALUE, "seal.data must be {from}, a seq before the seal's");
            }
        }
        return new LedgerEntry(seq, prevHash, ts, kind, data, sig);
    }
}
