package io.quorumd.pm;

import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import io.quorumd.wire.Member;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** Fixed keys, rosters and params for the micropayment tests: every run draws the same tickets. */
final class PmFixtures {
    /** 2026-01-01T00:00:00Z. */
    static final long T0 = 1_767_225_600_000L;
    static final PmPolicy POLICY = PmPolicy.defaults();
    /** Default terms but ticketEV 500 on faceValue 1000: about every second ticket wins. */
    static final PmPolicy HALF = new PmPolicy(500, 2, 0, 100, 0, 600_000, 15_000, 600, 100, 1000, 100_000, 1,
            86_400_000, 259_200_000, 86_400_000);

    private PmFixtures() {
    }

    static NodeKey key(int i) {
        byte[] seed = new byte[32];
        Arrays.fill(seed, (byte) i);
        return NodeKey.fromSeed(seed);
    }

    static byte[] seedOf(int i) {
        byte[] seed = new byte[32];
        Arrays.fill(seed, (byte) i);
        return seed;
    }

    static Bytes paramsSeed(int i) {
        byte[] seed = new byte[TicketParams.SEED_BYTES];
        Arrays.fill(seed, (byte) i);
        return Bytes.of(seed);
    }

    static Roster roster(NodeKey... keys) {
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < keys.length; i++) {
            members.add(new Member("node-" + (i + 1), keys[i].publicKey(), Set.of(Role.VOTER, Role.REPLICA)));
        }
        return new Roster(members);
    }

    /** Every sender locked with a float far above any faceValue. */
    static FloatSource plentiful() {
        return fixedFloat(0, BigInteger.valueOf(1_000_000_000L));
    }

    static FloatSource fixedFloat(long withdrawAt, BigInteger maxFloat) {
        return new FloatSource() {
            @Override
            public long withdrawAt(NodeId sender) {
                return withdrawAt;
            }

            @Override
            public BigInteger maxFloat(NodeId sender, NodeId recipient, BigInteger pending, long now) {
                return maxFloat;
            }
        };
    }

    /** A batch signed directly with {@code key}: what any sender, honest or not, can make. */
    static TicketBatch batch(NodeKey key, TicketParams p, long... nonces) {
        List<TicketBatch.Entry> entries = new ArrayList<>();
        for (long n : nonces) {
            entries.add(new TicketBatch.Entry(n, key.sign(Ticket.of(p, n).signingBytes())));
        }
        return new TicketBatch(p, entries);
    }

    /** Nonces from {@code from} to {@code to}, inclusive. */
    static long[] range(long from, long to) {
        long[] out = new long[(int) (to - from + 1)];
        for (int i = 0; i < out.length; i++) {
            out[i] = from + i;
        }
        return out;
    }

    /** The first nonce at or after {@code from} whose ticket wins (or, if {@code wins} is false, loses) under p. */
    static long nonceThat(boolean wins, NodeKey sender, RandKey recipientKey, TicketParams p, long from) {
        Bytes rand = recipientKey.rand(p);
        for (long n = from; ; n++) {
            Ticket t = Ticket.of(p, n);
            if (new SignedTicket(t, sender.sign(t.signingBytes())).wins(rand) == wins) {
                return n;
            }
        }
    }
}
