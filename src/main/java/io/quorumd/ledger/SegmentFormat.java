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
 */
public final class SegmentFormat {
    static final byte[] MAGIC = "QDLEDGER".getBytes(StandardCharsets.US_ASCII);
    public static final int VERSION = 1;
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
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES);
        b.put(MAGIC).putInt(VERSION).flip();
        return b;
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
