package io.quorumd.config;

import io.quorumd.crypto.KeyFileException;
import io.quorumd.crypto.NodeKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a lab federation: for node-1…node-N a key and a config sharing one roster. Default roles: every
 * node votes; node-1…node-min(5, N−1) are primary arbiters with a majority of them required; the next
 * node, if any, is a fallback arbiter; {@code checkpoint.minVoters} = min(5, N−1); with N ≥ 4 every node is
 * also a replica, so the lab orders its roster changes (DESIGN §12), and a spare node-(N+1) is written too:
 * a key outside the roster and a config that starts from {@code anchor.json} beside it, to be admitted with
 * {@code quorumd federation propose add} and started from {@code quorumd federation export}.
 */
public final class FederationInit {
    public static final String DEFAULT_NAME = "lab";

    /** What one generated node looks like. */
    public record NodeFiles(String name, String nodeId, Path config, Path keyFile) {
    }

    /** Inputs of {@link #write}. {@code prefix} null means {@code quorumd/<name>}. */
    public record Options(int nodes, String broker, String prefix, boolean fast, Duration fastInterval,
                          Duration fastVotingTimeout) {
        /** {@code --fast} timings are checkpoint interval 30 s and voting timeout 60 s. */
        public Options(int nodes, String broker, String prefix, boolean fast) {
            this(nodes, broker, prefix, fast, Duration.ofSeconds(30), Duration.ofSeconds(60));
        }

        /** Even shorter fast timings, for the demo and tests. */
        public Options withFastTimings(Duration interval, Duration votingTimeout) {
            return new Options(nodes, broker, prefix, true, interval, votingTimeout);
        }
    }

    private FederationInit() {
    }

    public static List<NodeFiles> write(Path out, Options options, SecureRandom random)
            throws IOException, KeyFileException {
        int n = options.nodes();
        if (n < 2) {
            throw new IllegalArgumentException("a federation needs at least 2 nodes, got " + n);
        }
        for (int k = 1; k <= (n >= 4 ? n + 1 : n); k++) {
            if (Files.exists(out.resolve("node-" + k))) {
                throw new IOException(out.resolve("node-" + k) + " already exists; choose an empty --out directory");
            }
        }
        List<NodeKey> keys = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            keys.add(NodeKey.generate(random));
        }
        int primaries = Math.min(5, n - 1);
        if (primaries < 2) {
            primaries = 0; // arbitration needs at least two primaries; a 2-node lab has none
        }
        StringBuilder roster = new StringBuilder();
        for (int k = 1; k <= n; k++) {
            String roles = n >= 4 ? "voter, replica" : "voter";
            if (k <= primaries) {
                roles += ", arbiter";
            } else if (primaries > 0 && k == primaries + 1) {
                roles += ", fallback-arbiter";
            }
            roster.append("    - name: node-").append(k).append('\n')
                    .append("      publicKey: ").append(keys.get(k - 1).publicKey().base64()).append('\n')
                    .append("      roles: [").append(roles).append("]\n");
        }
        int required = primaries == 0 ? 2 : primaries / 2 + 1;
        List<NodeFiles> written = new ArrayList<>();
        for (int k = 1; k <= n; k++) {
            Path dir = out.resolve("node-" + k);
            Files.createDirectories(dir);
            Path keyFile = dir.resolve("node.key");
            keys.get(k - 1).writeNew(keyFile);
            Path config = dir.resolve("quorumd.yaml");
            Files.writeString(config, yaml("node-" + k, options, roster.toString(), Math.min(5, n - 1), required));
            written.add(new NodeFiles("node-" + k, keys.get(k - 1).nodeId().hex(), config, keyFile));
        }
        if (n >= 4) {
            String name = "node-" + (n + 1);
            Path dir = out.resolve(name);
            Files.createDirectories(dir);
            NodeKey spare = NodeKey.generate(random);
            spare.writeNew(dir.resolve("node.key"));
            String withSpare = roster + "    - name: " + name + "\n      publicKey: " + spare.publicKey().base64()
                    + "\n      roles: [voter]\n";
            Files.writeString(dir.resolve("quorumd.yaml"), "# Spare node: not in the federation until admitted"
                    + " (quorumd federation propose add --name " + name + " --new-key " + dir.resolve("node.key")
                    + "),\n# then started from the state a member exports into anchor.json.\n"
                    + yaml(name, options, withSpare, Math.min(5, n - 1), required) + "order:\n  anchorFile: anchor.json\n");
        }
        return written;
    }

    private static String yaml(String name, Options o, String roster, int minVoters, int required) {
        String prefix = o.prefix() == null ? "quorumd/" + DEFAULT_NAME : o.prefix();
        StringBuilder y = new StringBuilder();
        y.append("# quorumd config for ").append(name).append(", written by `quorumd federation init`.\n")
                .append("# Relative paths are resolved against this file's directory.\n")
                .append("node:\n  name: ").append(name).append("\n  keyFile: node.key\n  dataDir: data\n")
                .append("mqtt:\n  url: ").append(o.broker()).append("\n  topicPrefix: ").append(prefix).append('\n');
        if (o.fast()) {
            y.append("  keepAlive: 5s\n");
        }
        y.append("federation:\n  name: ").append(DEFAULT_NAME).append("\n  roster:\n").append(roster);
        if (o.fast()) {
            y.append("presence:\n  heartbeat: 1s\n  offlineAfter: 4s\n");
        }
        y.append("checkpoint:\n  minVoters: ").append(minVoters).append('\n');
        if (o.fast()) {
            y.append("  interval: ").append(Durations.format(o.fastInterval()))
                    .append("\n  checkEvery: 2s\n  voteWindow: 3s\n  voteJitter: 0s\n");
        }
        y.append("arbiter:\n  required: ").append(required).append('\n');
        if (o.fast()) {
            y.append("  votingTimeout: ").append(Durations.format(o.fastVotingTimeout())).append('\n');
            y.append("pm:\n  enabled: true\n  paramsTtl: 10s\n  paramsExpiryBuffer: 2s\n  claimWindow: 10m\n"
                    + "  unlockPeriod: 30m\n  reservePeriod: 1h\n");
        }
        return y.toString();
    }
}
