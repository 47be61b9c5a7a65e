package io.quorumd.it;

import io.quorumd.config.ConfigLoader;
import io.quorumd.config.NodeIdentity;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.node.QuorumNode;
import java.nio.file.Path;
import java.time.Clock;

/** Starting a real node from a config file written by `federation init`, as `quorumd run` does. */
final class LabNodes {
    private LabNodes() {
    }

    static QuorumNode startOne(Path configFile) throws Exception {
        QuorumdConfig c = ConfigLoader.load(configFile);
        QuorumNode n = new QuorumNode(c, NodeIdentity.load(c), Clock.systemUTC());
        n.start();
        return n;
    }
}
