package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The prepared certificates behind one view-change claim ({@code claimId}: content id of the
 * {@code order.viewchange} envelope): per claimed seq, q prepare envelopes. Published on {@code {p}/order/view}.
 */
public record OrderViewProof(long epoch, long view, String claimId, List<Certificate> certificates) implements Body {
    /** The prepares that show the claim at {@code seq}. */
    public record Certificate(long seq, List<Envelope> prepares) {
        public Certificate {
            prepares = List.copyOf(prepares);
        }
    }

    public OrderViewProof {
        certificates = List.copyOf(certificates);
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("epoch", epoch);
        o.put("view", view);
        o.put("claimId", claimId);
        ArrayNode c = o.putArray("certificates");
        for (Certificate x : certificates) {
            ObjectNode e = c.addObject();
            e.put("seq", x.seq());
            ArrayNode p = e.putArray("prepares");
            x.prepares().forEach(env -> p.add(env.toJson()));
        }
        return o;
    }

    static OrderViewProof parse(ObjectNode body) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        long epoch = f.nonNegative("epoch");
        long view = OrderVote.positive(f, "view");
        String claimId = f.contentId("claimId", false);
        if (f.array("certificates").size() > OrderViewChange.MAX_PREPARED) {
            throw new DecodeException(RejectReason.BAD_VALUE, "at most " + OrderViewChange.MAX_PREPARED + " certificates");
        }
        List<Certificate> certificates = f.objects("certificates",
                c -> new Certificate(OrderVote.positive(c, "seq"), c.envelopes("prepares", MessageType.ORDER_PREPARE)));
        f.done();
        return new OrderViewProof(epoch, view, claimId, certificates);
    }
}
