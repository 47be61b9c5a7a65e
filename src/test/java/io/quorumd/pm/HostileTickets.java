package io.quorumd.pm;

import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeKey;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** Scratch (branch hostile): one ticket signed several valid ways by its sender, a losing one first, then a winner. */
public final class HostileTickets {
    private HostileTickets() {
    }

    /** [losing sig, winning sig] for nonce {@code nonce} under {@code p}, judged with {@code recipient}'s true rand. */
    public static List<Bytes> loserThenWinner(NodeKey sender, NodeKey recipient, TicketParams p, long nonce) {
        String pem = sender.toPem().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        byte[] der = Base64.getDecoder().decode(pem);
        byte[] seed = java.util.Arrays.copyOfRange(der, der.length - 32, der.length);
        HostileSigner h = new HostileSigner(seed);
        if (!h.publicKey().equals(sender.publicKey())) {
            throw new IllegalStateException("seed extraction failed");
        }
        Bytes rand = RandKey.of(recipient).rand(p);
        Ticket t = Ticket.of(p, nonce);
        Bytes loser = null;
        Bytes winner = null;
        for (int r = 1; r < 5000 && (loser == null || winner == null); r++) {
            Bytes sig = h.sign(t.signingBytes(), BigInteger.valueOf(r).shiftLeft(200).add(BigInteger.valueOf(r)));
            boolean wins = new SignedTicket(t, sig).wins(rand);
            if (wins && winner == null) {
                winner = sig;
            } else if (!wins && loser == null) {
                loser = sig;
            }
        }
        List<Bytes> out = new ArrayList<>();
        out.add(loser);
        out.add(winner);
        return out;
    }
}
