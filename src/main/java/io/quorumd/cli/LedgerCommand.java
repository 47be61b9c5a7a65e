package io.quorumd.cli;

import io.quorumd.crypto.CanonicalJson;
import io.quorumd.ledger.EntryKind;
import io.quorumd.ledger.EntryVisitor;
import io.quorumd.ledger.FullVerifier;
import io.quorumd.ledger.LedgerDirs;
import io.quorumd.ledger.LedgerEntry;
import io.quorumd.ledger.LedgerScanner;
import io.quorumd.ledger.ScanResult;
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

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Check CRCs and the hash chain (and with --full every signature). Exit 0 intact, 1 torn tail only, 2 corruption.")
    static final class Verify implements Callable<Integer> {
        @Parameters(paramLabel = "DATADIR", description = "The node's data dir (or its ledger dir).")
        Path dataDir;

        @Option(names = "--full", description = "Also verify every seal (or, in format-1 segments, every entry signature) and every embedded message signature against the roster recorded in the ledger.")
        boolean full;

        @Override
        public Integer call() throws IOException {
            Path dir = ledgerDir(dataDir);
            FullVerifier verifier = new FullVerifier();
            ScanResult r = LedgerScanner.scan(dir, full ? verifier : EntryVisitor.NONE);
            System.out.println("entries checked: " + r.entries() + (full ? " (signatures verified: "
                    + verifier.signaturesChecked() + ")" : ""));
            System.out.println("segments: " + r.segments().size() + ", last seq: " + r.lastSeq());
            if (r.corruption().isPresent()) {
                System.out.println("CORRUPT: " + r.corruption().get());
                return Main.USAGE;
            }
            if (r.torn().isPresent()) {
                ScanResult.TornTail t = r.torn().get();
                System.out.println("TORN TAIL: " + t.file() + " at offset " + t.offset() + ": " + t.bytes()
                        + " bytes after the last intact, sealed record, " + t.unsealed() + " of them whole entries no seal"
                        + " covers (a start of the node truncates them)");
                return Main.FAILURE;
            }
            System.out.println("OK: intact" + (full ? ", every signature verifies" : ""));
            return Main.OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Print entries, one per line.")
    static final class Show implements Callable<Integer> {
        @Parameters(paramLabel = "DATADIR", description = "The node's data dir (or its ledger dir).")
        Path dataDir;

        @Option(names = "--kind", description = "Only entries of this kind (boot, shutdown, observation, accepted, signed…).")
        String kind;

        @Option(names = "--since", defaultValue = "1", description = "First seq to print (default: ${DEFAULT-VALUE}).")
        long since;

        @Option(names = "--json", description = "JSON lines: each entry as its canonical JSON.")
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

    @Command(name = "stats", mixinStandardHelpOptions = true, description = "Entries, segments, bytes, time span, entries per kind.")
    static final class Stats implements Callable<Integer> {
        @Parameters(paramLabel = "DATADIR", description = "The node's data dir (or its ledger dir).")
        Path dataDir;

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
            System.out.println("entries:  " + r.entries());
            System.out.println("segments: " + r.segments().size());
            System.out.println("bytes:    " + bytes);
            if (r.entries() > 0) {
                System.out.println("first:    " + Instant.ofEpochMilli(span[0]));
                System.out.println("last:     " + Instant.ofEpochMilli(span[1]));
            }
            perKind.forEach((k, n) -> System.out.printf("  %-12s %d%n", k.wireName(), n));
            r.corruption().ifPresent(c -> System.out.println("CORRUPT: " + c));
            r.torn().ifPresent(t -> System.out.println("TORN TAIL: " + t.file() + " at offset " + t.offset()));
            return r.corruption().isPresent() ? Main.USAGE : r.torn().isPresent() ? Main.FAILURE : Main.OK;
        }
    }
}
