package io.quorumd.node;

import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeKey;
import io.quorumd.order.RosterOp;
import io.quorumd.sim.SimFederation;
import io.quorumd.sim.SimNode;
import io.quorumd.sim.SimWorld;
import java.nio.file.Path;
import java.time.Duration;

/** The steps of a member's own key rotation in the node simulation, as its operator and the others take them. */
final class Rotations {
    private Rotations() {
    }

    /** node-{@code k}'s operator writes {@code next} to next-k.key, names it in node.nextKeyFile and restarts the node. */
    static void giveNextKey(SimFederation f, Path dir, int k, NodeKey next) throws Exception {
        SimNode n = f.node(k);
        next.writeNew(dir.resolve("next-" + k + ".key"));
        n.stop();
        n.reconfigure(f.reconfigured(k, y -> y.replace("dataDir: node-" + k + "\n",
                "dataDir: node-" + k + "\n  nextKeyFile: next-" + k + ".key\n")));
        n.start();
        f.world().run(Duration.ofSeconds(5));
    }

    /** node-{@code k} asks to rotate to {@code next} (proof signed now) in epoch 0; the request id, a second later. */
    static String propose(SimFederation f, int k, NodeKey next) {
        SimWorld w = f.world();
        long at = w.now();
        Bytes pop = next.sign(RosterOp.popMessage(RosterOp.ROTATE, 0, "node-" + k, next.publicKey(), at));
        String id = f.node(k).control(c -> c.ordering().orElseThrow().propose(RosterOp.ROTATE,
                RosterOp.rotateArgs(next.publicKey(), pop), at));
        w.run(Duration.ofSeconds(1));
        return id;
    }

    /** Each of {@code nodes} endorses request {@code id}. */
    static void endorse(SimFederation f, String id, int... nodes) {
        for (int i : nodes) {
            f.node(i).control(c -> {
                c.ordering().orElseThrow().endorse(id);
                return null;
            });
        }
    }
}
