package io.quorumd.demo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What the demo did and saw, for the closing summary; {@code more} holds one line for each further part of the story
 * (ordered roster change, a ruling delivered late, tickets).
 */
public record DemoReport(Path dataDir, String brokerUrl, Duration ran, List<String> missing,
                         List<CheckpointRow> checkpoints, List<DisputeRow> disputes, List<String> more, List<NodeRow> nodes,
                         int ledgersVerified, long entriesVerified, List<String> ledgerProblems) {

    /** The latest checkpoint of one subject, as node-1 holds it. */
    public record CheckpointRow(String subject, String checkpointId, int round, long totalUptime, long restarts,
                                int signatures, int nodesHolding) {
    }

    /** One dispute and how it ended. */
    public record DisputeRow(String id, String subject, String status, String decision, int votes, boolean fallback,
                             int nodesAgreeing) {
    }

    /** One node's traffic and ledger. */
    public record NodeRow(String name, String id, long peersOnline, long messagesIn, long messagesOut, String rejects,
                          long ledgerEntries, long ledgerBytes) {
    }

    public boolean complete() {
        return missing.isEmpty() && ledgerProblems.isEmpty() && ledgersVerified == nodes.size();
    }
}
