package io.quorumd.ledger;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * On-disk layout of a segment file {@code <first seq, 20 digits>.qlog}: a 12-byte header (magic
 * {@code QDLEDGER} + u32 format version), then records {@code u32 length | payload | u32 CRC32C(payload)},
 * big-endian. A record that does not fit in what is left of the last file is a torn tail; anything else
 * that does not check out is corruption.
 * <p>
 * Format 1: every entry carries its own signature. Format 2 (DESIGN §8, seals), written since: entries carry
 * none; each group commit ends with one {@code seal} entry signed over the chain head, which authenticates every
 * entry since the previous seal, and a group never spans two segments. Entries after the last seal of the last
 * segment are a torn tail. Both are read; new segments are written as format 2.
 */
public final class SegmentFormat {
    static final byte[] MAGIC = "QDLEDGER".getBytes(StandardCharsets.US_ASCII);
    /** Per-entry signatures. */
    public static final int SIGNED_ENTRIES = 1;
    /** Sealed group commits. */
    public static final int SEALED = 2;
    /** The format new segments are written in. */
    public static final int VERSION = SEALED;
    public static final int HEADER_BYTES = MAGIC.length + 4;
    static final int FRAME_BYTES = 8;
    /** No entry is near this; a larger length field is corruption, never a torn write. */
    public static final int MAX_PAYLOAD = 1 << 20;
    static final String SUFFIX = ".qlog";
    private static final Pattern NAME = Pattern.compile("\\d{20}\\.qlog");

    private SegmentFormat() {
    }

    public static String fileName(long firstSeq) {
        return String.format("%020d%s", firstSeq, SUFFIX);
    }

    static boolean isSegment(Path p) {
        return NAME.matcher(p.getFileName().toString()).matches();
    }

    static long firstSeqOf(Path p) {
        String n = p.getFileName().toString();
        return Long.parseLong(n.substring(0, n.length() - SUFFIX.length()));
    }

    static ByteBuffer header() {
        return header(VERSION);
    }

    static ByteBuffer header(int version) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES);
        b.put(MAGIC).putInt(version).flip();
        return b;
    }

    static boolean readable(int version) {
        return version == SIGNED_ENTRIES || version == SEALED;
    }

    static int crc(byte[] payload) {
        CRC32C c = new CRC32C();
        c.update(payload, 0, payload.length);
        return (int) c.getValue();
    }

    static int crc(ByteBuffer buf, int offset, int length) {
        CRC32C c = new CRC32C();
        c.update(buf.duplicate().position(offset).limit(offset + length));
        return (int) c.getValue();
    }

    /** Appends one framed record to {@code out}. */
    static void frame(byte[] payload, ByteBuffer out) {
        out.putInt(payload.length).put(payload).putInt(crc(payload));
    }
}
