package io.quorumd.node;

import java.time.Instant;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Another process signs with this node's key (a cloned machine, a copied data dir and config). A process that
 * hears it while starting stops before signing anything, and the one already running goes on; of two processes
 * that hear each other while running, the one with the later start time stops (both clocks are within
 * {@code federation.clockSkew} of true time, as the protocol assumes) and the other goes on. Either way the daemon exits with {@link #EXIT_CODE}, which the systemd
 * unit lists in {@code RestartPreventExitStatus=}. The message, logged at ERROR, names both start times for
 * the operator who has to stop one of the two machines.
 */
public final class TwinException extends java.io.IOException {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TwinException.class);
    /** The exit code of a process that stopped because another one runs with its key. */
    public static final int EXIT_CODE = 3;

    private TwinException(String message) {
        super(message);
    }

    private static TwinException of(String node, long other, long self, String what) {
        TwinException e = new TwinException("another process runs with the key of " + node + ": it started at "
                + Instant.ofEpochMilli(other) + ", this one at " + Instant.ofEpochMilli(self) + "; " + what
                + " and is not restarted (exit " + EXIT_CODE + "): stop the process on one of the two machines (a cloned"
                + " machine, or a copied data dir and config), then start the one to keep");
        LOG.atError().addKeyValue("node", node).addKeyValue("other_started_at", Instant.ofEpochMilli(other))
                .addKeyValue("started_at", Instant.ofEpochMilli(self)).log(e.getMessage());
        return e;
    }

    /** Heard while starting, before this process signed anything: it stops, the other goes on. Logged at ERROR. */
    static TwinException atStart(String node, long other, long self) {
        return of(node, other, self, "this one, only starting, stops before signing anything");
    }

    /** Heard while running, the other run being the older: this process signs nothing more. Logged at ERROR. */
    static TwinException whileRunning(String node, long other, long self) {
        return of(node, other, self, "this newer one stops now, signing nothing more");
    }

    /**
     * What the presence machine calls with the start time of another run heard live with this key while this one
     * runs: if that run is the older, this process is silenced ({@code silence}) and fails with
     * {@link #whileRunning}; if it is the newer, this one logs it at ERROR and goes on (the newer stops itself).
     */
    static LongConsumer handler(String node, LongSupplier self, Runnable silence, Consumer<Throwable> onFatal) {
        return other -> {
            if (other < self.getAsLong()) {
                silence.run();
                onFatal.accept(whileRunning(node, other, self.getAsLong()));
            } else {
                LOG.atError().addKeyValue("node", node).addKeyValue("other_started_at", Instant.ofEpochMilli(other))
                        .addKeyValue("started_at", Instant.ofEpochMilli(self.getAsLong())).log("another process runs with"
                                + " the key of " + node + ": it started at " + Instant.ofEpochMilli(other) + ", after this"
                                + " one; it stops itself, this one goes on: stop the process on one of the two machines");
            }
        };
    }
}
