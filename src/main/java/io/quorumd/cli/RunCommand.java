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
        QuorumNode node;
        try {
            node = new QuorumNode(c, key, Clock.systemUTC(), fatal -> new Thread(() -> System.exit(Main.FAILURE),
                    "quorumd-fatal-exit").start());
        } catch (LedgerException e) {
            System.err.println("quorumd: " + e.getMessage());
            return Main.FAILURE;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.stop(Duration.ofSeconds(4));
            stopped.countDown();
        }, "quorumd-shutdown"));
        node.start();
        stopped.await();
        return Main.OK;
    }
}
