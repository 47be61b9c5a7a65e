package io.quorumd.cli;

import io.quorumd.config.ConfigException;
import io.quorumd.config.ConfigLoader;
import io.quorumd.config.NodeIdentity;
import io.quorumd.config.QuorumdConfig;
import io.quorumd.crypto.NodeKey;
import io.quorumd.ledger.LedgerException;
import io.quorumd.logging.LogSetup;
import io.quorumd.node.QuorumNode;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

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
        c.warnings().forEach(w -> org.slf4j.LoggerFactory.getLogger(RunCommand.class).atWarn().addKeyValue("config", c.source())
                .log(w));
        QuorumNode node;
        AtomicInteger exitCode = new AtomicInteger(Main.OK);
        try {
            node = new QuorumNode(c, key, Clock.systemUTC(), fatal -> {
                exitCode.set(Main.FAILURE);
                new Thread(() -> System.exit(Main.FAILURE), "quorumd-fatal-exit").start();
            });
        } catch (LedgerException e) {
            System.err.println("quorumd: " + e.getMessage());
            return Main.FAILURE;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM (systemctl stop): stop taking input, finish the batch, fsync, publish offline, and exit 0
        // (1 after a fatal ledger error) within 5 s.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.stop(Duration.ofSeconds(4));
            stopped.countDown();
            Runtime.getRuntime().halt(exitCode.get());
        }, "quorumd-shutdown"));
        node.start();
        stopped.await();
        return Main.OK;
    }
}
