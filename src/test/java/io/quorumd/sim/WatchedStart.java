package io.quorumd.sim;

import io.quorumd.node.StartWatch;
import io.quorumd.wire.InboundVerifier;
import java.util.List;

/** A simulated node's start watch: {@link StartWatch} fed by the bus, polled every 100 ms of virtual time. */
final class WatchedStart {
    private WatchedStart() {
    }

    /** {@code node} is open (ledger replayed, nothing started): watch its presence topic, then start it or stop it. */
    static void begin(SimNode node, SimWorld world, SimBus bus, int incarnation) {
        var core = node.core();
        StartWatch watch = StartWatch.of(core);
        InboundVerifier own = StartWatch.ownKey(core);
        java.time.Clock clock = node.clock();
        SimBus.Receiver watcher = (topic, env, retained) -> {
            if (own.verify(env) instanceof InboundVerifier.Verdict.Accepted) {
                watch.onOwn(env, retained, clock.millis());
            }
        };
        bus.subscribe(watcher, List.of(node.topics().presence(node.id())));
        watch.subscribed(clock.millis());
        world.after(100, () -> poll(node, world, bus, watch, watcher, incarnation));
    }

    private static void poll(SimNode node, SimWorld world, SimBus bus, StartWatch watch, SimBus.Receiver watcher,
                             int incarnation) {
        if (node.incarnation() != incarnation) {
            bus.unsubscribe(watcher);
            return;
        }
        StartWatch.Verdict v = watch.verdict(node.clock().millis());
        if (v == StartWatch.Verdict.WATCHING) {
            world.after(100, () -> poll(node, world, bus, watch, watcher, incarnation));
            return;
        }
        bus.unsubscribe(watcher);
        try {
            if (v == StartWatch.Verdict.TWIN) {
                node.stopAsTwinBeforeStart();
                return;
            }
            watch.behind().ifPresent(node.core()::restored);
            node.begin();
        } catch (Exception e) {
            throw new IllegalStateException(node.name() + " cannot start", e);
        }
    }
}
