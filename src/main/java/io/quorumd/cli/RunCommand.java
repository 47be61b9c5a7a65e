package io.quorumd.cli;

import io.quorumd.config.ConfigException;
import io.quorumd.config.ConfigLoader;
import io.quorumd.config.NodeIdentity;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.crypto.NodeKey;
import io.quorumd.ledger.LedgerException;
import io.quorumd.logging.LogSetup;
import io.quorumd.node.QuorumNode;
import io.quorumd.node.StartupException;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The daemon. Exit codes, which systemd's {@code Restart=on-failure} relies on: 2 for a config error (a
 * restart would not help), 1 for every other start-up failure and for a fatal error while running (a
 * failed ledger write, an Error on the loop thread), 0 after SIGTERM. A start-up failure prints one line
 * on stderr saying what failed and what to do, after the node has released everything it took.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the daemon in the foreground.")
final class RunCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Override
    public Integer call() throws Exception {
        QuorumdConfig c;
        NodeKey key;
        try {
            c = ConfigLoader.load(config.file);
            key = NodeIdentity.load(c);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return Main.USAGE;
        }
        LogSetup.apply(c.logging());
        c.warnings().forEach(w -> LoggerFactory.getLogger(RunCommand.class).atWarn().addKeyValue("config", c.source())
                .log(w));
        AtomicInteger exitCode = new AtomicInteger(Main.OK);
        QuorumNode node;
        try {
            node = new QuorumNode(c, key, Clock.systemUTC(), fatal -> {
                exitCode.set(Main.FAILURE);
                new Thread(() -> System.exit(Main.FAILURE), "quorumd-fatal-exit").start();
            });
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            return startFailed(e);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM (systemctl stop): stop taking input, finish the batch, fsync, publish offline, and exit 0
        // (1 after a fatal error) within 5 s.
        Thread onSigterm = new Thread(() -> {
            node.stop(Duration.ofSeconds(4));
            stopped.countDown();
            Runtime.getRuntime().halt(exitCode.get());
        }, "quorumd-shutdown");
        Runtime.getRuntime().addShutdownHook(onSigterm);
        try {
            node.start();
        } catch (StartupException | RuntimeException e) {
            exitCode.set(Main.FAILURE); // in case a SIGTERM already runs the hook: it halts with 1
            try {
                Runtime.getRuntime().removeShutdownHook(onSigterm);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs already and exits with the code set above
            }
            return startFailed(e);
        }
        stopped.await();
        return Main.OK;
    }

    /** One line on stderr; the node has already released what it took. */
    private static int startFailed(Exception e) {
        String message = e instanceof StartupException || e instanceof LedgerException
                ? e.getMessage() : "start-up failed: " + StartupException.describe(e);
        System.err.println("quorumd: " + message);
        return Main.FAILURE;
    }
}
