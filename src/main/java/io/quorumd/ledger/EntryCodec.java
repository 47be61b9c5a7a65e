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
import java.util.regex.Pattern;

/** Record payload → {@link LedgerEntry}, strictly: every field present, typed and well-formed. */
public final class EntryCodec {
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

    private EntryCodec() {
    }

    public static LedgerEntry decode(byte[] payload) throws DecodeException {
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
        String sigText = f.text("sig");
        f.done();
        if (seq < 1) {
            throw new DecodeException(RejectReason.BAD_VALUE, "entry.seq must be at least 1");
        }
        if (!HASH.matcher(prevHash).matches()) {
            throw new DecodeException(RejectReason.BAD_VALUE, "entry.prevHash must be 64 lowercase hex");
        }
        EntryKind kind = EntryKind.ofWireName(kindName).orElseThrow(() ->
                new DecodeException(RejectReason.UNKNOWN_TYPE, "unknown entry kind " + kindName));
        Bytes sig;
        try {
            sig = Bytes.fromBase64(sigText);
        } catch (IllegalArgumentException e) {
            throw new DecodeException(RejectReason.BAD_VALUE, "entry.sig is not base64 with padding");
        }
        if (sig.length() != Ed25519.SIGNATURE_BYTES) {
            throw new DecodeException(RejectReason.BAD_VALUE, "entry.sig must be 64 bytes");
        }
        return new LedgerEntry(seq, prevHash, ts, kind, data, sig);
    }
}
