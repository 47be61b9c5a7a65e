package io.quorumd.config;

import io.quorumd.crypto.NodeId;
import io.quorumd.wire.Member;
import io.quorumd.wire.Roster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The validated, immutable configuration of one node. Built only by {@link ConfigLoader}, which fills
 * every default and refuses inconsistent values, so code holding one never re-checks it.
 */
public record QuorumdConfig(
        Path source,
        NodeSection node,
        MqttSection mqtt,
        FederationSection federation,
        PresenceSection presence,
        CheckpointSection checkpoint,
        ArbiterSection arbiter,
        LedgerSection ledger,
        ResponderSection responder,
        SyncSection sync,
        OrderSection order,
        PmSection pm,
        ControlSection control,
        LoggingSection logging,
        List<String> warnings) {

    public QuorumdConfig {
        warnings = List.copyOf(warnings);
    }

    /** This node's own roster entry (validated to exist). */
    public Member self() {
        return federation.roster().byName(node.name()).orElseThrow();
    }

    public NodeId selfId() {
        return self().nodeId();
    }

    /**
     * {@code nextKeyFile}: the key this node takes when the federation executes its own {@code roster.rotate}
     * (DESIGN §12), empty when no rotation is under way.
     */
    public record NodeSection(String name, Path keyFile, Path dataDir, Optional<Path> nextKeyFile) {
        public NodeSection(String name, Path keyFile, Path dataDir) {
            this(name, keyFile, dataDir, Optional.empty());
        }
    }

    public record TlsSection(Optional<Path> caFile, Optional<Path> certFile, Optional<Path> keyFile) {
        public boolean configured() {
            return caFile.isPresent() || certFile.isPresent();
        }
    }

    /**
     * {@code mqtt.url}: one broker, or a list of a broker cluster's members, tried in order on every connect
     * (Paho's server URIs); never empty.
     */
    public record MqttSection(List<String> urls, String clientId, Optional<String> username, Optional<Path> passwordFile,
                              TlsSection tls, String topicPrefix, Duration keepAlive, Duration connectTimeout,
                              Duration reconnectMax) {
        public MqttSection {
            urls = List.copyOf(urls);
            if (urls.isEmpty()) {
                throw new IllegalArgumentException("mqtt.url names no broker");
            }
        }

        /** One broker. */
        public MqttSection(String url, String clientId, Optional<String> username, Optional<Path> passwordFile,
                           TlsSection tls, String topicPrefix, Duration keepAlive, Duration connectTimeout,
                           Duration reconnectMax) {
            this(List.of(url), clientId, username, passwordFile, tls, topicPrefix, keepAlive, connectTimeout,
                    reconnectMax);
        }

        /** The first broker listed: the one a node tries first, and the one a single-broker setup names. */
        public String url() {
            return urls.get(0);
        }

        /** Every broker listed, comma-separated, for logs. */
        public String brokers() {
            return String.join(",", urls);
        }
    }

    /** The federation: its name, the roster, and how far apart members' clocks may be. */
    public record FederationSection(String name, Roster roster, Duration clockSkew) {
    }

    public record PresenceSection(Duration heartbeat, Duration offlineAfter) {
    }

    public record Tolerance(long restarts, Duration uptime, Duration firstSeen) {
    }

    public record CheckpointSection(Duration interval, Duration checkEvery, Duration voteWindow, int minVoters,
                                    int maxSignatures, Tolerance tolerance, Duration voteJitter,
                                    Duration bootGrace) {
    }

    public record ArbiterSection(int required, Duration votingTimeout, Duration fallbackExtension,
                                 Duration expiryCheckEvery, int maxOpenPerMember) {
    }

    /**
     * The responder (DESIGN §13): re-publishes this node's decisions until {@code minCopies} holders
     * acknowledged them ({@code 0}: ⌈2n/3⌉ of the roster). A tick without a new ack is a missed
     * confirmation; after {@code retryAfterMissed} × 2^level misses the decision goes out again.
     */
    public record ResponderSection(boolean enabled, Duration tick, int retryAfterMissed, int minCopies, Duration keepFor,
                                   Duration backoffMax, int maxPerTick, Duration ackDelay) {
    }

    /** Catch-up (DESIGN §13): pages of at most {@code pageSize} decisions, asked one at a time. */
    public record SyncSection(boolean enabled, int pageSize, Duration timeout, int requestsPerMinute) {
    }

    public enum OrderMode { AUTO, ON, OFF }

    /**
     * Ordering of federation updates (DESIGN §12). {@code auto} runs it when the roster names at least four
     * replicas; {@code on} refuses to start with fewer; {@code off} never runs it (the roster stays the YAML one).
     * {@code anchorFile}: the state a member admitted later starts from ({@code federation export}), read at its
     * first start only.
     */
    public record OrderSection(OrderMode mode, int window, int checkpointEvery, Duration viewTimeout,
                               Duration viewTimeoutMax, int maxBatch, Duration batchDelay, Duration requestTtl,
                               Duration retransmitEvery, Optional<Path> anchorFile) {
        /** The replica's parameters, with the federation's clock skew. */
        public io.quorumd.order.OrderParams params(Duration clockSkew) {
            return new io.quorumd.order.OrderParams(window, checkpointEvery, viewTimeout, viewTimeoutMax, maxBatch,
                    batchDelay, clockSkew, requestTtl, retransmitEvery);
        }
    }

    /**
     * Micropayment tickets (DESIGN §14; the parameter table of the wave-2 notes). Amounts in minor units,
     * {@code maxFaceValue} 0 for no cap. The loader refuses every combination {@link io.quorumd.pm.PmPolicy}
     * refuses, so {@link #policy()} cannot fail. No machine issues or checks tickets yet: {@code enabled} only
     * subscribes to {@code {p}/pm/to/{me}}, and what arrives there is counted as {@code pm_disabled}.
     */
    public record PmSection(boolean enabled, long ticketEV, long evMultiplier, long redeemCost, long redeemCostMultiplier,
                            long maxFaceValue, Duration paramsTtl, Duration paramsExpiryBuffer, int maxNonces,
                            int maxBatchTickets, long maxTicketEV, long maxBatchEV, long depositMultiplier,
                            Duration claimWindow, Duration unlockPeriod, Duration reservePeriod) {
        /** The core's rules' parameters, from this section: their one source. */
        public io.quorumd.pm.PmPolicy policy() {
            return new io.quorumd.pm.PmPolicy(ticketEV, evMultiplier, redeemCost, redeemCostMultiplier, maxFaceValue,
                    paramsTtl.toMillis(), paramsExpiryBuffer.toMillis(), maxNonces, maxBatchTickets, maxTicketEV,
                    maxBatchEV, depositMultiplier, claimWindow.toMillis(), unlockPeriod.toMillis(),
                    reservePeriod.toMillis());
        }
    }

    public enum FsyncMode { ALWAYS, BATCH, OFF }

    public record LedgerSection(long segmentBytes, FsyncMode fsync) {
    }

    public record ControlSection(Path socket) {
    }

    public enum LogFormat { TEXT, JSON }

    public record LoggingSection(LogFormat format, String level, Duration statsEvery) {
    }
}
