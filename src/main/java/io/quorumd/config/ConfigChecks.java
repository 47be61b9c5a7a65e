package io.quorumd.config;

import io.quorumd.wire.Member;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import io.quorumd.wire.EnvelopeCodec;
import io.quorumd.wire.MessageLimits;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Checks of values against each other, run once every value has parsed. */
final class ConfigChecks {
    private ConfigChecks() {
    }

    static List<ConfigProblem> check(QuorumdConfig c) {
        List<ConfigProblem> out = new ArrayList<>();
        Roster roster = c.federation().roster();
        if (roster.byName(c.node().name()).isEmpty()) {
            out.add(new ConfigProblem("node.name", c.node().name() + " is not in federation.roster"));
        }
        if (c.presence().offlineAfter().compareTo(c.presence().heartbeat()) <= 0) {
            out.add(new ConfigProblem("presence.offlineAfter", "must be longer than presence.heartbeat ("
                    + Durations.format(c.presence().heartbeat()) + ")"));
        }
        if (c.mqtt().keepAlive().toMillis() % 1000 != 0) {
            out.add(new ConfigProblem("mqtt.keepAlive", "must be whole seconds"));
        }
        String url = c.mqtt().url();
        boolean tls = url.startsWith("ssl://");
        if (c.mqtt().tls().configured() && !tls) {
            out.add(new ConfigProblem("mqtt.tls", "TLS files are set but mqtt.url does not start with ssl://"));
        }
        if (c.mqtt().tls().certFile().isPresent() != c.mqtt().tls().keyFile().isPresent()) {
            out.add(new ConfigProblem("mqtt.tls", "certFile and keyFile go together"));
        }
        if (c.mqtt().passwordFile().isPresent() && c.mqtt().username().isEmpty()) {
            out.add(new ConfigProblem("mqtt.passwordFile", "is set without mqtt.username"));
        }
        checkTopicPrefix(c.mqtt().topicPrefix(), out);
        if (c.responder().minCopies() > roster.size()) {
            out.add(new ConfigProblem("responder.minCopies", c.responder().minCopies() + " exceeds the roster size "
                    + roster.size() + "; the publisher counts as one copy"));
        }
        if (c.responder().ackDelay().compareTo(c.responder().tick()) >= 0) {
            out.add(new ConfigProblem("responder.ackDelay", "must be shorter than responder.tick"));
        }
        if (c.responder().backoffMax().compareTo(c.responder().tick()) < 0) {
            out.add(new ConfigProblem("responder.backoffMax", "must be at least responder.tick ("
                    + c.responder().tick() + "): retries are counted in ticks"));
        }
        if (c.responder().keepFor().compareTo(c.responder().tick().multipliedBy(c.responder().retryAfterMissed() + 1L)) < 0) {
            out.add(new ConfigProblem("responder.keepFor", "must outlast the first retry (responder.tick × "
                    + "(retryAfterMissed + 1)); a tracker would expire before its decision went out again"));
        }
        checkCheckpoint(c, roster, out);
        checkArbiters(c, roster, out);
        checkOrder(c, roster, out);
        return out;
    }

    /** Largest new-view envelope, in bytes, that n replicas can make with window L (wave2 §13 size check). */
    static long worstNewView(int n, int window) {
        long q = io.quorumd.order.Quorum.q(n);
        return q * (300 + 120L * window) + (window + 1L) * q * 330;
    }

    private static void checkOrder(QuorumdConfig c, Roster roster, List<ConfigProblem> out) {
        int replicas = (int) roster.members().stream().filter(m -> m.has(Role.REPLICA)).count();
        if (c.order().mode() == QuorumdConfig.OrderMode.ON && replicas < io.quorumd.order.Quorum.MIN_REPLICAS) {
            out.add(new ConfigProblem("order.enabled", "is on, but the roster names " + replicas + " replicas; ordering"
                    + " needs at least " + io.quorumd.order.Quorum.MIN_REPLICAS + " (give members the replica role)"));
        }
        long worst = worstNewView(Math.max(replicas, io.quorumd.order.Quorum.MIN_REPLICAS), c.order().window());
        if (c.order().mode() != QuorumdConfig.OrderMode.OFF && worst > 60L * 1024) {
            out.add(new ConfigProblem("order.window", "with " + replicas + " replicas a new view could reach " + worst
                    + " bytes, over the 60 KiB a message may use; lower order.window"));
        }
    }

    /** MQTT topic names: no wildcards, no empty level, nothing a broker or Paho refuses at run time. */
    private static void checkTopicPrefix(String prefix, List<ConfigProblem> out) {
        String why = null;
        if (prefix.isEmpty() || prefix.startsWith("/") || prefix.endsWith("/") || prefix.contains("//")) {
            why = "must be levels separated by single slashes, with no empty level";
        } else if (prefix.contains("+") || prefix.contains("#")) {
            why = "must not hold the wildcards + or #";
        } else if (prefix.indexOf('\u0000') >= 0 || prefix.getBytes(StandardCharsets.UTF_8).length > 1000) {
            why = "must not hold NUL, and must be shorter than 1,000 bytes";
        }
        if (why != null) {
            out.add(new ConfigProblem("mqtt.topicPrefix", "'" + prefix + "' " + why
                    + " (the default is quorumd/<federation.name>)"));
        }
    }

    private static void checkCheckpoint(QuorumdConfig c, Roster roster, List<ConfigProblem> out) {
        int minVoters = c.checkpoint().minVoters();
        if (minVoters >= roster.size()) {
            out.add(new ConfigProblem("checkpoint.minVoters", minVoters + " must be less than the roster size "
                    + roster.size() + " (the subject does not vote for itself)"));
        } else {
            for (Member subject : roster.members()) {
                long voters = roster.members().stream().filter(m -> m != subject && m.has(Role.VOTER)).count();
                if (voters < minVoters) {
                    out.add(new ConfigProblem("checkpoint.minVoters", minVoters + " exceeds the " + voters
                            + " voters that could checkpoint " + subject.name()));
                    break;
                }
            }
        }
        long finalBytes = MessageLimits.checkpointFinalBytes(Math.max(minVoters, c.checkpoint().maxSignatures()));
        if (finalBytes > EnvelopeCodec.MAX_BYTES) {
            out.add(new ConfigProblem(c.checkpoint().maxSignatures() >= minVoters ? "checkpoint.maxSignatures"
                    : "checkpoint.minVoters", "a final with " + Math.max(minVoters, c.checkpoint().maxSignatures())
                    + " votes can take " + finalBytes + " bytes, more than a message may (" + EnvelopeCodec.MAX_BYTES + ")"));
        }
        if (c.checkpoint().maxSignatures() < minVoters) {
            out.add(new ConfigProblem("checkpoint.maxSignatures", c.checkpoint().maxSignatures()
                    + " is less than checkpoint.minVoters " + minVoters));
        }
        if (c.checkpoint().voteJitter().compareTo(c.checkpoint().voteWindow()) >= 0) {
            out.add(new ConfigProblem("checkpoint.voteJitter", "must be shorter than checkpoint.voteWindow"));
        }
    }

    private static void checkArbiters(QuorumdConfig c, Roster roster, List<ConfigProblem> out) {
        long primaries = roster.members().stream().filter(m -> m.has(Role.ARBITER)).count();
        long fallbacks = roster.members().stream().filter(m -> m.has(Role.FALLBACK_ARBITER)).count();
        int required = c.arbiter().required();
        if (primaries == 0) {
            if (fallbacks > 0) {
                out.add(new ConfigProblem("federation.roster", "fallback arbiters are listed but no primary arbiter"));
            }
            return;
        }
        if (required < 2) {
            out.add(new ConfigProblem("arbiter.required", required + " must be at least 2"));
        } else if (required > primaries) {
            out.add(new ConfigProblem("arbiter.required", required + " exceeds the " + primaries + " primary arbiters"));
        } else if (MessageLimits.rulingBytes(required) > EnvelopeCodec.MAX_BYTES) {
            out.add(new ConfigProblem("arbiter.required", "a ruling with " + required + " votes can take "
                    + MessageLimits.rulingBytes(required) + " bytes, more than a message may (" + EnvelopeCodec.MAX_BYTES + ")"));
        }
    }
}
