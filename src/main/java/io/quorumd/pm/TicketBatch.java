package io.quorumd.pm;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeId;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Json;
import io.quorumd.wire.JsonFields;
import java.util.List;

/**
 * A sender's batch of tickets under one params ({@code pm.ticket}): the params as the sender copied them and
 * 1..{@value #MAX_TICKETS} (senderNonce, sig) pairs. The sender is the signer of the envelope, so the body names
 * only the recipient: {recipient, faceValue, winProb, recipientRandHash, seed, paramsExpiresAt, tickets}. The
 * recipient's record of what it accepted is a batch of the same shape holding only the accepted tickets: it
 * carries the seed, never rand.
 */
public record TicketBatch(TicketParams params, List<Entry> tickets) {
    public static final int MAX_TICKETS = 100;

    /** One ticket of the batch: its nonce and the sender's signature over the ticket it completes. */
    public record Entry(long senderNonce, Bytes sig) {
    }

    public TicketBatch {
        tickets = List.copyOf(tickets);
        if (tickets.isEmpty() || tickets.size() > MAX_TICKETS) {
            throw new IllegalArgumentException("a batch holds 1 to " + MAX_TICKETS + " tickets");
        }
        if (tickets.stream().map(Entry::senderNonce).distinct().count() != tickets.size()) {
            throw new IllegalArgumentException("a batch names each senderNonce once");
        }
    }

    public SignedTicket signed(int index) {
        Entry e = tickets.get(index);
        return new SignedTicket(Ticket.of(params, e.senderNonce()), e.sig());
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("recipient", params.recipient().hex());
        PmJson.putTerms(o, params, "paramsExpiresAt");
        ArrayNode list = o.putArray("tickets");
        for (Entry e : tickets) {
            ObjectNode t = list.addObject();
            t.put("senderNonce", e.senderNonce());
            t.put("sig", e.sig().base64());
        }
        return o;
    }

    /** Reads a {@code pm.ticket} body signed by {@code sender}; strict: a missing or extra field is refused. */
    public static TicketBatch parse(ObjectNode body, NodeId sender) throws DecodeException {
        JsonFields f = new JsonFields(body, "body");
        NodeId recipient = f.nodeId("recipient");
        TicketParams params = PmJson.terms(f, recipient, sender, "paramsExpiresAt");
        List<Entry> entries = f.objects("tickets", t -> new Entry(PmJson.ranged(t, "senderNonce", 1), PmJson.sig(t, "sig")));
        f.done();
        try {
            return new TicketBatch(params, entries);
        } catch (IllegalArgumentException e) {
            throw PmJson.bad("ticket batch: " + e.getMessage());
        }
    }
}
