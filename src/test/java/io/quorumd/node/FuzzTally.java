package io.quorumd.node;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.quorumd.wire.RejectReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;

/**
 * What one fuzzed node did with each case: every case must end as a gate reject (one wire reason), a machine
 * reject (a protocol reason) or an acceptance; ERROR lines and WARN lines that come with no counted reject are
 * collected, as are exceptions that escaped.
 */
final class FuzzTally implements AutoCloseable {
    private final NodeMetrics metrics;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Level rootLevel;
    /** The console appender, detached while the run lasts: its lines are counted here instead. */
    private final ch.qos.logback.core.Appender<ILoggingEvent> console;
    final Map<String, Long> outcomes = new TreeMap<>();
    final List<String> escapes = new ArrayList<>();
    final List<String> errorLines = new ArrayList<>();
    final Map<String, Long> uncountedWarns = new TreeMap<>();
    final List<String> accountingFaults = new ArrayList<>();
    long cases;
    long accepted;

    FuzzTally(NodeMetrics metrics) {
        this.metrics = metrics;
        rootLevel = root.getLevel();
        if (!root.isEnabledFor(Level.WARN)) {
            root.setLevel(Level.WARN);
        }
        console = root.getAppender("console");
        if (console != null) {
            root.detachAppender(console);
        }
        appender.start();
        root.addAppender(appender);
    }

    /** Counters before a case. */
    record Before(long in, Map<RejectReason, Long> wire, Map<String, Long> protocol, long drops, long effects) {
    }

    /** Ledger entries plus messages published: what an accepted message may have changed. */
    private java.util.function.LongSupplier effects = () -> 0;
    /** Accepted cases that changed neither the ledger nor the outbox, by message type. */
    final Map<String, Long> quietAccepts = new TreeMap<>();

    void effects(java.util.function.LongSupplier e) {
        effects = e;
    }

    Before before() {
        appender.list.clear();
        Map<RejectReason, Long> wire = new TreeMap<>();
        for (RejectReason r : RejectReason.values()) {
            wire.put(r, metrics.rejects(r));
        }
        return new Before(metrics.messagesIn(), wire, protocol(), metrics.queueDrops(), effects.getAsLong());
    }

    /** Records how case {@code label} ended; {@code escaped} is what escaped the gate or the core, if anything. */
    void after(Before b, String label, String type, Throwable escaped) {
        cases++;
        if (escaped != null) {
            java.io.StringWriter w = new java.io.StringWriter();
            escaped.printStackTrace(new java.io.PrintWriter(w));
            escapes.add(label + ": " + w.toString().lines().limit(12).collect(Collectors.joining("\n  ")));
        }
        List<String> wireReasons = new ArrayList<>();
        for (RejectReason r : RejectReason.values()) {
            long d = metrics.rejects(r) - b.wire().get(r);
            for (long i = 0; i < d; i++) {
                wireReasons.add(r.code());
            }
        }
        Map<String, Long> now = protocol();
        List<String> protocolReasons = new ArrayList<>();
        now.forEach((reason, n) -> {
            long d = n - b.protocol().getOrDefault(reason, 0L);
            for (long i = 0; i < d; i++) {
                protocolReasons.add(reason);
            }
        });
        if (metrics.messagesIn() - b.in() != 1 || wireReasons.size() > 1 || metrics.queueDrops() != b.drops()) {
            accountingFaults.add(label + ": in+" + (metrics.messagesIn() - b.in()) + " wire " + wireReasons);
        }
        String outcome;
        if (!wireReasons.isEmpty()) {
            outcome = "gate:" + wireReasons.get(0);
        } else if (!protocolReasons.isEmpty()) {
            outcome = "machine:" + protocolReasons.get(0);
        } else {
            outcome = "accepted";
            accepted++;
            if (effects.getAsLong() == b.effects()) {
                quietAccepts.merge(type, 1L, Long::sum);
            }
        }
        outcomes.merge(outcome, 1L, Long::sum);
        for (ILoggingEvent e : appender.list) {
            if (e.getLevel().isGreaterOrEqual(Level.ERROR)) {
                errorLines.add(label + ": " + e.getFormattedMessage() + " " + e.getKeyValuePairs()
                        + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getClassName() + ": "
                        + e.getThrowableProxy().getMessage()));
            } else if (e.getLevel() == Level.WARN && outcome.equals("accepted")) {
                uncountedWarns.merge(e.getLoggerName().replaceAll(".*\\.", "") + ": " + e.getFormattedMessage(),
                        1L, Long::sum);
            }
        }
    }

    private Map<String, Long> protocol() {
        Map<String, Long> out = new TreeMap<>();
        String summary = metrics.rejectSummary();
        if (summary.equals("none")) {
            return out;
        }
        for (String part : summary.split(",")) {
            int colon = part.lastIndexOf(':');
            String reason = part.substring(0, colon);
            boolean wire = java.util.Arrays.stream(RejectReason.values()).anyMatch(r -> r.code().equals(reason));
            if (!wire) {
                out.put(reason, Long.parseLong(part.substring(colon + 1)));
            }
        }
        return out;
    }

    /** "cases=… accepted=… rejects={…} top=[…]": the one-line summary. */
    String summary() {
        String top = outcomes.entrySet().stream().filter(e -> !e.getKey().equals("accepted"))
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(5)
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",", "[", "]"));
        String rejects = outcomes.entrySet().stream().filter(e -> !e.getKey().equals("accepted"))
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",", "{", "}"));
        return "cases=" + cases + " accepted=" + accepted + " escaped=" + escapes.size() + " error_lines="
                + errorLines.size() + " uncounted_warns=" + uncountedWarns.values().stream().mapToLong(Long::longValue).sum()
                + " rejects=" + rejects + " top=" + top;
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        if (console != null) {
            root.addAppender(console);
        }
        root.setLevel(rootLevel);
    }
}
