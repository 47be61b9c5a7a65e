package io.quorumd.sim.fuzz;

import io.quorumd.arbiter.Dispute;
import io.quorumd.checkpoint.StoredCheckpoint;
import io.quorumd.sim.SimNode;
import java.util.TreeSet;

/** The state of one node a replay must leave alone: ledger length, finals held, disputes and their facts. */
final class Digest {
    private Digest() {
    }

    static String of(SimNode n) {
        TreeSet<String> parts = new TreeSet<>();
        for (StoredCheckpoint c : n.core().checkpoints().latest().values()) {
            parts.add("cp:" + c.checkpoint().checkpointId());
        }
        for (Dispute d : n.core().arbiter().orElseThrow().disputes()) {
            parts.add("d:" + d.id() + "/" + d.status() + "/" + d.votes().size() + "/" + d.otherVotes().size() + "/"
                    + d.fallback().isPresent() + "/" + d.rulingEnvelopes().size() + "/" + d.deadline());
        }
        return "seq=" + n.core().ledger().lastSeq() + " " + String.join(" ", parts).hashCode();
    }
}
