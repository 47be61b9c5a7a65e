package io.quorumd.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.quorumd.wire.Json;
import io.quorumd.wire.Member;
import io.quorumd.wire.Role;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Writes a config back as YAML with every default filled in, in the key order of the example file. */
public final class ConfigRenderer {
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .build());

    private ConfigRenderer() {
    }

    public static String toYaml(QuorumdConfig c) {
        try {
            return YAML.writeValueAsString(toMap(c));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render config", e);
        }
    }

    /** The same tree as {@link #toYaml}: one object per section of the config, every default filled in. */
    public static JsonNode toJson(QuorumdConfig c) {
        return Json.MAPPER.valueToTree(toMap(c));
    }

    static Map<String, Object> toMap(QuorumdConfig c) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("node", map("name", c.node().name(), "keyFile", str(c.node().keyFile()), "dataDir",
                str(c.node().dataDir()), "nextKeyFile", opt(c.node().nextKeyFile())));
        var m = c.mqtt();
        Map<String, Object> mqtt = map("url", m.urls().size() == 1 ? m.url() : m.urls(), "clientId", m.clientId(), "username", m.username().orElse(null),
                "passwordFile", opt(m.passwordFile()), "tls", map("caFile", opt(m.tls().caFile()), "certFile",
                        opt(m.tls().certFile()), "keyFile", opt(m.tls().keyFile())),
                "topicPrefix", m.topicPrefix(), "keepAlive", d(m.keepAlive()), "connectTimeout", d(m.connectTimeout()),
                "reconnectMax", d(m.reconnectMax()));
        root.put("mqtt", mqtt);
        List<Object> roster = new ArrayList<>();
        for (Member member : c.federation().roster().members()) {
            roster.add(map("name", member.name(), "publicKey", member.publicKey().base64(), "roles",
                    member.roles().stream().sorted().map(Role::code).toList()));
        }
        root.put("federation", map("name", c.federation().name(), "clockSkew", d(c.federation().clockSkew()),
                "roster", roster));
        root.put("presence", map("heartbeat", d(c.presence().heartbeat()), "offlineAfter", d(c.presence().offlineAfter())));
        var cp = c.checkpoint();
        root.put("checkpoint", map("interval", d(cp.interval()), "checkEvery", d(cp.checkEvery()), "voteWindow",
                d(cp.voteWindow()), "minVoters", cp.minVoters(), "maxSignatures", cp.maxSignatures(), "tolerance",
                map("restarts", cp.tolerance().restarts(), "uptime", d(cp.tolerance().uptime()), "firstSeen",
                        d(cp.tolerance().firstSeen())), "voteJitter", d(cp.voteJitter()), "bootGrace", d(cp.bootGrace())));
        var a = c.arbiter();
        root.put("arbiter", map("required", a.required(), "votingTimeout", d(a.votingTimeout()), "fallbackExtension",
                d(a.fallbackExtension()), "expiryCheckEvery", d(a.expiryCheckEvery()), "maxOpenPerMember", a.maxOpenPerMember()));
        root.put("ledger", map("segmentBytes", Sizes.format(c.ledger().segmentBytes()), "fsync",
                lower(c.ledger().fsync())));
        var r = c.responder();
        root.put("responder", map("enabled", r.enabled(), "tick", d(r.tick()), "retryAfterMissed", r.retryAfterMissed(),
                "minCopies", r.minCopies(), "keepFor", d(r.keepFor()), "backoffMax", d(r.backoffMax()),
                "maxPerTick", r.maxPerTick(), "ackDelay", d(r.ackDelay())));
        var y = c.sync();
        root.put("sync", map("enabled", y.enabled(), "pageSize", y.pageSize(), "timeout", d(y.timeout()),
                "requestsPerMinute", y.requestsPerMinute()));
        var o = c.order();
        root.put("order", map("enabled", lower(o.mode()), "window", o.window(), "checkpointEvery", o.checkpointEvery(),
                "viewTimeout", d(o.viewTimeout()), "viewTimeoutMax", d(o.viewTimeoutMax()), "maxBatch", o.maxBatch(),
                "batchDelay", d(o.batchDelay()), "requestTtl", d(o.requestTtl()), "retransmitEvery", d(o.retransmitEvery()),
                "anchorFile", opt(o.anchorFile())));
        var pm = c.pm();
        root.put("pm", map("enabled", pm.enabled(), "ticketEV", pm.ticketEV(), "evMultiplier", pm.evMultiplier(),
                "redeemCost", pm.redeemCost(), "redeemCostMultiplier", pm.redeemCostMultiplier(), "maxFaceValue",
                pm.maxFaceValue(), "paramsTtl", d(pm.paramsTtl()), "paramsExpiryBuffer", d(pm.paramsExpiryBuffer()),
                "maxNonces", pm.maxNonces(), "maxBatchTickets", pm.maxBatchTickets(), "maxTicketEV", pm.maxTicketEV(),
                "maxBatchEV", pm.maxBatchEV(), "depositMultiplier", pm.depositMultiplier(), "claimWindow",
                d(pm.claimWindow()), "unlockPeriod", d(pm.unlockPeriod()), "reservePeriod", d(pm.reservePeriod())));
        root.put("control", map("socket", str(c.control().socket())));
        root.put("logging", map("format", lower(c.logging().format()), "level", c.logging().level().toLowerCase(Locale.ROOT),
                "statsEvery", d(c.logging().statsEvery())));
        return root;
    }

    /** An ordered map from alternating keys and values; null values are left out. */
    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] != null) {
                out.put((String) kv[i], kv[i + 1]);
            }
        }
        return out;
    }

    private static String d(Duration d) {
        return Durations.format(d);
    }

    private static String str(Path p) {
        return p == null ? null : p.toString();
    }

    private static String opt(Optional<Path> p) {
        return p.map(Path::toString).orElse(null);
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
