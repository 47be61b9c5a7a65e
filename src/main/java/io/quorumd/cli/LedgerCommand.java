package io.quorumd.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.CanonicalJson;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.EntryVisitor;
import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.LedgerDirs;
import io.quorumd.ledger.LedgerEntry;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.ledger.ScanResult;
import io.quorumd.wire.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

@Command(name = "ledger", mixinStandardHelpOptions = true, description = "Inspect a node's ledger offline.",
        subcommands = {LedgerCommand.Verify.class, LedgerCommand.Show.class, LedgerCommand.Stats.class})
final class LedgerCommand extends GroupCommand {

    static Path ledgerDir(Path given) {
        try {
            return LedgerDirs.resolve(given);
        } catch (IOException e) {
            throw new CommandLine.ParameterException(new CommandLine(new LedgerCommand()), e.getMessage());
        }
    }

    /** The outcome of a scan in a JSON report: {@code result} (intact, torn or corrupt), {@code torn}, {@code corruption}. */
    static void putOutcome(ObjectNode o, ScanResult r) {
        o.put("result", r.corruption().isPresent() ? "corrupt" : r.torn().isPresent() ? "torn" : "intact");
        r.torn().ifPresentOrElse(t -> o.putObject("torn").put("file", t.file().toString()).put("offset", t.offset())
                .put("bytes", t.bytes()).put("unsealed", t.unsealed()), () -> o.putNull("torn"));
        r.corruption().ifPresentOrElse(c -> o.putObject("corruption").put("file", c.file().toString())
                .put("offset", c.offset()).put("reason", c.reason()), () -> o.putNull("corruption"));
    }

    /** The exit code of a scan: 0 intact, 1 a torn tail only, 2 corruption. */
    static int exitCode(ScanResult r) {
        return r.corruption().isPresent() ? Main.USAGE : r.torn().isPresent() ? Main.FAILURE : Main.OK;
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Check CRCs and the hash chain (and with --full every signature). Exit 0 intact, 1 torn tail only, 2 corruption.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd ledger verify /var/lib/quorumd",
                    "  quorumd ledger verify /var/lib/quorumd --full --json"})
    static final class Verify implements Callable<Integer> {
        @Parameters(paramLabel = "DATADIR", description = "The node's data dir (or its ledger dir).")
        Path dataDir;

        @Option(names = "--full", description = "Also verify every seal (or, in format-1 segments, every entry signature) and every embedded message signature against the roster recorded in the ledger.")
        boolean full;

        @Mixin
        JsonOption json;

        @Override
        public Integer call() throws IOException {
            Path dir = ledgerDir(dataDir);
            FullVerifier verifier = new FullVerifier();
            ScanResult r = LedgerScanner.scan(dir, full ? verifier : EntryVisitor.NONE);
            ObjectNode report = Json.object().put("entries", r.entries()).put("segments", r.segments().size())
                    .put("lastSeq", r.lastSeq()).put("full", full);
            if (full) {
                report.put("signaturesChecked", verifier.signaturesChecked());
            } else {
                report.putNull("signaturesChecked");
            }
            putOutcome(report, r);
            json.print(report, x -> printText(r, full, verifier));
            return exitCode(r);
        }

        private static void printText(ScanResult r, boolean full, FullVerifier verifier) {
            System.out.println("entries checked: " + r.entries() + (full ? " (signatures verified: "
                    + verifier.signaturesChecked() + ")" : ""));
            System.out.println("segments: " + r.segments().size() + ", last seq: " + r.lastSeq());
            if (r.corruption().isPresent()) {
                System.out.println("CORRUPT: " + r.corruption().get());
            } else if (r.torn().isPresent()) {
                ScanResult.TornTail t = r.torn().get();
                System.out.println("TORN TAIL: " + t.file() + " at offset " + t.offset() + ": " + t.bytes()
                        + " bytes after the last intact, sealed record, " + t.unsealed() + " of them whole entries no seal"
                        + " covers (a start of the node truncates them)");
            } else {
                System.out.println("OK: intact" + (full ? ", every signature verifies" : ""));
            }
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Print entries, one per line (with --json: JSON lines, one document per entry).",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd ledger show /var/lib/quorumd --kind ruling",
                    "  quorumd ledger show /var/lib/quorumd --since 1200 --json"})
    static final class Show implements Callable<Integer> {
        @Parameters(paramLabel = "DATADIR", description = "The node's data dir (or its ledger dir).")
        Path dataDir;

        @Option(names = "--kind", description = "Only entries of this kind (boot, shutdown, observation, accepted, signed…).")
        String kind;

        @Option(names = "--since", defaultValue = "1", description = "First seq to print (default: ${DEFAULT-VALUE}).")
        long since;

        @Option(names = "--json", description = "JSON lines, not one document: each entry as its canonical JSON on a line"
                + " of its own (docs/cli.md).")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            Optional<EntryKind> only = Optional.empty();
            if (kind != null) {
                only = EntryKind.ofWireName(kind);
                if (only.isEmpty()) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--kind: unknown kind " + kind);
                }
            }
            Optional<EntryKind> filter = only;
            ScanResult r = LedgerScanner.scan(ledgerDir(dataDir), (e, payload) -> {
                if (e.seq() >= since && filter.map(k -> k == e.kind()).orElse(true)) {
                    System.out.println(json ? new String(payload, StandardCharsets.UTF_8) : line(e));
                }
                return Optional.empty();
            });
            r.corruption().ifPresent(c -> System.err.println("stopped: " + c));
            r.torn().ifPresent(t -> System.err.println("torn tail at " + t.file() + " offset " + t.offset()));
            return r.corruption().isPresent() ? Main.USAGE : Main.OK;
        }

        private static String line(LedgerEntry e) {
            return "seq=" + e.seq() + " ts=" + Instant.ofEpochMilli(e.ts()) + " kind=" + e.kind().wireName()
                    + " data=" + CanonicalJson.encodeToString(e.data());
        }
    }

    @Command(name = "stats", mixinStandardHelpOptions = true, description = "Entries, segments, bytes, time span, entries per kind.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd ledger stats /var/lib/quorumd",
                    "  quorumd ledger stats /var/lib/quorumd/ledger --json"})
    static final class Stats implements Callable<Integer> {
        @Parameters(paramLabel = "DATADIR", description = "The node's data dir (or its ledger dir).")
        Path dataDir;

        @Mixin
        JsonOption json;

        @Override
        public Integer call() throws IOException {
            Path dir = ledgerDir(dataDir);
            Map<EntryKind, Long> perKind = new EnumMap<>(EntryKind.class);
            long[] span = {Long.MAX_VALUE, Long.MIN_VALUE};
            ScanResult r = LedgerScanner.scan(dir, (e, payload) -> {
                perKind.merge(e.kind(), 1L, Long::sum);
                span[0] = Math.min(span[0], e.ts());
                span[1] = Math.max(span[1], e.ts());
                return Optional.empty();
            });
            long bytes = 0;
            for (Path p : r.segments()) {
                bytes += Files.size(p);
            }
            ObjectNode report = Json.object().put("entries", r.entries()).put("segments", r.segments().size())
                    .put("bytes", bytes);
            if (r.entries() > 0) {
                report.put("first", span[0]).put("last", span[1]);
            } else {
                report.putNull("first").putNull("last");
            }
            ObjectNode kinds = report.putObject("kinds");
            perKind.forEach((k, n) -> kinds.put(k.wireName(), n));
            putOutcome(report, r);
            json.print(report, x -> {
                System.out.println("entries:  " + r.entries());
                System.out.println("segments: " + r.segments().size());
                System.out.println("bytes:    " + x.path("bytes").asLong());
                if (r.entries() > 0) {
                    System.out.println("first:    " + Instant.ofEpochMilli(span[0]));
                    System.out.println("last:     " + Instant.ofEpochMilli(span[1]));
                }
                perKind.forEach((k, n) -> System.out.printf("  %-12s %d%n", k.wireName(), n));
                r.corruption().ifPresent(c -> System.out.println("CORRUPT: " + c));
                r.torn().ifPresent(t -> System.out.println("TORN TAIL: " + t.file() + " at offset " + t.offset()));
            });
            return exitCode(r);
        }
    }
}
