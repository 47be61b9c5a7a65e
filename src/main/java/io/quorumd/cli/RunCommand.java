package io.quorumd.cli;

import io.quorumd.config.ConfigException;
import io.quorumd.config.ConfigFiles;
import io.quorumd.config.ConfigLoader;
import io.quorumd.config.NodeIdentity;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.ledger.KeyInForceException;
import io.quorumd.ledger.LedgerException;
import io.quorumd.logging.LogSetup;
import io.quorumd.node.QuorumNode;
import io.quorumd.node.StartupException;
import io.quorumd.node.TwinException;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The daemon. Exit codes, which systemd's {@code Restart=on-failure} relies on: 2 for a config error (a
 * restart would not help), 3 when another process runs with this node's key and started earlier (the unit's
 * {@code RestartPreventExitStatus=3}: a restart would only make a second signer again), 1 for every other
 * start-up failure and for a fatal error while running (a failed ledger write, an Error on the loop thread),
 * 0 after SIGTERM. A start-up failure prints one line
 * on stderr saying what failed and what to do, after the node has released everything it took. When this
 * node's own key rotation executes, the node stops and opens again with {@code node.nextKeyFile}'s key, in the
 * same process.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the daemon in the foreground.",
        footerHeading = "%nExamples:%n",
        footer = {"  quorumd run",
                "  quorumd run --config /etc/quorumd/quorumd.yaml"})
final class RunCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Override
    public Integer call() throws Exception {
        QuorumdConfig c;
        List<NodeIdentity.KeyFile> keys;
        try {
            c = ConfigLoader.load(config.file);
            keys = NodeIdentity.all(c);
            ConfigFiles.check(c);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return Main.USAGE;
        }
        LogSetup.apply(c.logging());
        c.warnings().forEach(w -> LoggerFactory.getLogger(RunCommand.class).atWarn().addKeyValue("config", c.source())
                .log(w));
        AtomicInteger exitCode = new AtomicInteger(Main.OK);
        Consumer<Throwable> onFatal = fatal -> {
            int code = fatal instanceof TwinException ? TwinException.EXIT_CODE : Main.FAILURE;
            exitCode.set(code);
            new Thread(() -> System.exit(code), "quorumd-fatal-exit").start();
        };
        BlockingQueue<Boolean> rekeyed = new LinkedBlockingQueue<>();
        AtomicReference<QuorumNode> running = new AtomicReference<>();
        Object lifecycle = new Object();
        Opener open = () -> QuorumNode.open(c, keys, Clock.systemUTC(), onFatal, () -> rekeyed.offer(Boolean.TRUE));
        try {
            running.set(open.node());
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            return startFailed(e);
        }
        // SIGTERM (systemctl stop): stop taking input, finish the batch, fsync, publish offline, and exit 0
        // (1 after a fatal error) within 5 s.
        Thread onSigterm = new Thread(() -> {
            synchronized (lifecycle) {
                running.get().stop(Duration.ofSeconds(4));
            }
            Runtime.getRuntime().halt(exitCode.get());
        }, "quorumd-shutdown");
        Runtime.getRuntime().addShutdownHook(onSigterm);
        while (true) {
            try {
                synchronized (lifecycle) {
                    running.get().start();
                }
            } catch (TwinException e) {
                exitCode.set(TwinException.EXIT_CODE);
                afterFailedStart(onSigterm, e);
                return TwinException.EXIT_CODE;
            } catch (StartupException | RuntimeException e) {
                exitCode.set(Main.FAILURE); // in case a SIGTERM already runs the hook: it halts with 1
                return afterFailedStart(onSigterm, e);
            }
            rekeyed.take();
            // this node's own key rotation executed: the old key signs nothing more; open again with the new one
            try {
                synchronized (lifecycle) {
                    running.get().stop(Duration.ofSeconds(4));
                    running.set(open.node());
                }
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                exitCode.set(Main.FAILURE);
                return afterFailedStart(onSigterm, e);
            }
        }
    }

    /** Opens the node with the configured key in force; the same at start and after this node's rotation. */
    @FunctionalInterface
    private interface Opener {
        QuorumNode node() throws IOException, GeneralSecurityException;
    }

    private static int afterFailedStart(Thread onSigterm, Exception e) {
        try {
            Runtime.getRuntime().removeShutdownHook(onSigterm);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs already and exits with the code set
        }
        return startFailed(e);
    }

    /** One line on stderr; the node has already released what it took. */
    private static int startFailed(Exception e) {
        String message = e instanceof StartupException || e instanceof LedgerException || e instanceof KeyInForceException
                || e instanceof TwinException
                ? e.getMessage() : "start-up failed: " + StartupException.describe(e);
        System.err.println("quorumd: " + message);
        return Main.FAILURE;
    }
}
