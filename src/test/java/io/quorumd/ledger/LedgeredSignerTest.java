package io.quorumd.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.quorumd.sim.VirtualClock;
import io.quorumd.wire.Envelope;
import io.quorumd.wire.EnvelopeSigner;
import io.quorumd.wire.Heartbeat;
import io.quorumd.wire.MessageType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgeredSignerTest {
    @TempDir
    Path dir;

    private record Node(Ledger ledger, LedgeredSigner signer, List<Envelope> outbox) {
    }

    private Node open(VirtualClock clock) throws Exception {
        List<Envelope> outbox = new ArrayList<>();
        LedgeredSigner signer = new LedgeredSigner(new EnvelopeSigner(LedgerFixture.KEY, clock),
                (t, e, r) -> outbox.add(e));
        Ledger ledger = Ledger.open(dir, LedgerFixture.KEY, clock, 64 << 20,
                io.quorumd.config.QuorumdConfig.FsyncMode.BATCH, (e, p) -> replaySigned(signer, e));
        signer.attach(ledger);
        return new Node(ledger, signer, outbox);
    }

    /** A {@code signed} entry back into its slot, as the node's replay does. */
    static java.util.Optional<String> replaySigned(LedgeredSigner signer, LedgerEntry e) {
        if (e.kind() != EntryKind.SIGNED) {
            return java.util.Optional.empty();
        }
        try {
            return signer.replay(e, e.envelope());
        } catch (io.quorumd.wire.DecodeException x) {
            return java.util.Optional.of(x.getMessage());
        }
    }

    @Test
    void secondRequestForASlotSignsAndPublishesNothing() throws Exception {
        Node n = open(new VirtualClock(1000));
        Envelope first = n.signer().signOnce("vote/p1", MessageType.PRESENCE_HEARTBEAT, new Heartbeat(1, 1), "t", false);
        Envelope again = n.signer().signOnce("vote/p1", MessageType.PRESENCE_HEARTBEAT, new Heartbeat(2, 2), "t", false);
        assertSame(first, again);
        assertEquals(List.of(first), n.outbox(), "a repeated request publishes nothing");
        assertEquals(java.util.Optional.of(first), n.signer().signed("vote/p1"));
        assertEquals(1, n.ledger().lastSeq(), "only the first signing was recorded");
        n.ledger().close();
    }

    @Test
    void replayRebuildsTheIdenticalSlotTable() throws Exception {
        VirtualClock clock = new VirtualClock(1000);
        Node before = open(clock);
        for (int i = 0; i < 25; i++) {
            before.signer().signOnce("slot-" + i, MessageType.PRESENCE_HEARTBEAT, new Heartbeat(i, i), "t/" + i, i % 2 == 0);
            if (i % 7 == 0) {
                before.ledger().commit();
            }
        }
        before.ledger().commit();
        before.ledger().close();
        Node after = open(clock);
        assertEquals(before.signer().slots(), after.signer().slots());
        Envelope again = after.signer().signOnce("slot-3", MessageType.PRESENCE_HEARTBEAT, new Heartbeat(99, 99),
                "t/3", false);
        assertEquals(before.signer().slots().get("slot-3").envelope(), again, "a restarted node never signs a slot twice");
        assertEquals(List.of(), after.outbox());
        after.ledger().close();
    }
}
