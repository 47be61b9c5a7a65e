package io.quorumd.node;

import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Another process runs with this node's key and started before this one (a cloned machine, a copied data dir
 * and config): this one, the newer, must stop, and must not be restarted — the daemon exits with
 * {@link #EXIT_CODE}, which the systemd unit lists in {@code RestartPreventExitStatus=}. Its message names both
 * start times, for the operator who has to stop one of the two machines.
 */
public final class TwinException extends java.io.IOException {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TwinException.class);
    /** The exit code of a process that stopped because an older one runs with its key. */
    public static final int EXIT_CODE = 3;

    private TwinException(String message) {
        super(message);
    }

    private static TwinException of(String node, long older, long self, String when) {
        TwinException e = new TwinException("another process runs with the key of " + node + ": it started at "
                + Instant.ofEpochMilli(older) + ", this one at " + Instant.ofEpochMilli(self) + "; this newer one stops "
                + when + " and is not restarted (exit " + EXIT_CODE + "): stop the process on one of the two machines"
                + " (a cloned machine, or a copied data dir and config), then start this one again if it is the one to keep");
        LOG.atError().addKeyValue("node", node).addKeyValue("other_started_at", Instant.ofEpochMilli(older))
                .addKeyValue("started_at", Instant.ofEpochMilli(self)).log(e.getMessage());
        return e;
    }

    /** Found while starting, before this process signed anything; logged at ERROR. */
    static TwinException atStart(String node, long older, long self) {
        return of(node, older, self, "before signing anything");
    }

    /** Found while running (its heartbeat arrived only now); logged at ERROR. */
    static TwinException whileRunning(String node, long older, long self) {
        return of(node, older, self, "now, signing nothing more");
    }

    /**
     * What the presence machine calls with the start time of another run heard live with this key: if that run
     * is the older, this process is silenced ({@code silence}) and fails with {@link #whileRunning}; if it is the
     * newer, this one logs it and goes on.
     */
    static java.util.function.LongConsumer handler(String node, java.util.function.LongSupplier self, Runnable silence,
                                                     java.util.function.Consumer<Throwable> onFatal) {
        return other -> {
            if (other < self.getAsLong()) {
                silence.run();
                onFatal.accept(whileRunning(node, other, self.getAsLong()));
            } else {
                logOlder(node, other, self.getAsLong());
            }
        };
    }

    /** This process is the older one: it goes on; the newer one stops itself. Logged at ERROR. */
    static void logOlder(String node, long newer, long self) {
        LOG.atError().addKeyValue("node", node).addKeyValue("other_started_at", Instant.ofEpochMilli(newer))
                .addKeyValue("started_at", Instant.ofEpochMilli(self)).log("another process runs with the key of " + node
                        + ": it started at " + Instant.ofEpochMilli(newer) + ", after this one (" + Instant.ofEpochMilli(self)
                        + "); it stops itself, this one goes on; stop the process on one of the two machines");
    }
}
