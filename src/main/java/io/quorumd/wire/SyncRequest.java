package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.NodeId;
import java.util.regex.Pattern;

/**
 * A request for one page of the decisions a peer holds: {@code selector} says which ({@code checkpoints},
 * {@code disputes}, {@code order}), {@code since} bounds them — in time for {@code checkpoints} and
 * {@code disputes} (ms; 0 for all), and for {@code order} as an ordering seq: the first committed batch wanted
 * (the asker's last executed seq + 1; 0 or 1 for all the responder holds) — and {@code cursor} is where the
 * previous page ended ({@code ""} for the first). Published on {@code {p}/sync/{to}/request}.
 */
public record SyncRequest(NodeId to, long epoch, String selector, long since, String cursor) implements Body {
    public static final String CHECKPOINTS = "checkpoints";
    public static final String DISPUTES = "disputes";
    public static final String ORDER = "order";
    private static final Pattern SELECTOR = Pattern.compile("[a-z]{1,32}");
    /** A cursor: empty, a group key ("after this group"), or a key and a count ("this group, from there"). */
    private static final Pattern CURSOR = Pattern.compile("[0-9a-z:.]{0,128}");

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("to", to.hex());
        o.put("epoch", epoch);
        o.put("selector", selector);
        o.put("since", since);
        o.put("cursor", cursor);
        return o;
    }

    static SyncRequest parse(ObjectNode body) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        SyncRequest r = new SyncRequest(f.nodeId("to"), f.nonNegative("epoch"), f.text("selector"), f.nonNegative("since"),
                f.text("cursor"));
        f.done();
        if (!SELECTOR.matcher(r.selector).matches() || !validCursor(r.cursor)) {
            throw new DecodeException(RejectReason.BAD_VALUE, "sync.request selector or cursor is malformed");
        }
        return r;
    }

    /** Whether {@code cursor} has the shape of a cursor (requests and the {@code next} of a page alike). */
    public static boolean validCursor(String cursor) {
        return CURSOR.matcher(cursor).matches();
    }
}
