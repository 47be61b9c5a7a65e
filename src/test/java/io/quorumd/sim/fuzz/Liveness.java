package io.quorumd.sim.fuzz;

import io.quorumd.arbiter.Dispute;
import io.quorumd.arbiter.DisputeStatus;
import io.quorumd.sim.SimNode;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The liveness phase. The network heals: partitions end, every node restarts, no crash stays armed and
 * deliveries are no longer lost (they are still delayed, reordered and duplicated, and the byzantine members
 * keep up their moves). Loss ends with the heal because neither protocol retransmits: a checkpoint round
 * needs minVoters = N−1 votes (N ≤ 6) to cross the bus, which at loss p happens with probability
 * (1−p)^(2(N−1)), so under loss completion is only probable per round, and no fixed bound holds.
 * Bounds, from {@link FuzzScenario}'s timings (offlineAfter 4 s, bootGrace 2 s, interval 10 s, checkEvery
 * 1 s, voteWindow 2 s, votingTimeout 10 s, fallbackExtension 5 s):
 * <ul>
 * <li>checkpoints: every honest subject finalizes a checkpoint dated no earlier than the heal (less the skew)
 * within {@link #CHECKPOINT_BOUND} = bootGrace + offlineAfter (peers seen online again) + 2 × (interval +
 * checkEvery + 2 × voteWindow): the proposer's wait from its last checkpoint and one attempt of two rounds,
 * twice, as a first attempt can fail (a voter still chaining to an older final fetches the subject's latest
 * during it), after which the proposer waits a full interval;
 * <li>rulings: a dispute an honest member opens once the restarted nodes are past their boot grace, on which
 * every honest arbiter votes the same way, is RESOLVED at the opener within {@link #RULING_BOUND} =
 * votingTimeout + fallbackExtension, when the honest primaries and fallbacks can reach M.
 * </ul>
 */
final class Liveness {
    static final Duration CHECKPOINT_BOUND = Duration.ofSeconds(2 + 4 + 2 * (10 + 1 + 2 * 2));
    static final Duration RULING_BOUND = Duration.ofSeconds(10 + 5);

    private Liveness() {
    }

    private static String describe(FuzzRun run, long heal) {
        StringBuilder b = new StringBuilder();
        for (SimNode n : run.inv.honestUp()) {
            b.append(n).append("{own=").append(n.core().checkpoints().latest(n.id())
                    .map(c -> String.valueOf(c.checkpoint().tuple().asOf() - heal)).orElse("none"))
                    .append(" holds=").append(run.inv.honestUp().stream().map(o -> o.core().checkpoints().latest(n.id())
                            .map(c -> c.checkpoint().checkpointId().substring(0, 6) + "@" + (c.checkpoint().tuple().asOf() - heal))
                            .orElse("none")).toList())
                    .append(" online=").append(n.core().presence().onlineCount())
                    .append(" rejects=").append(n.metrics().rejectSummary()).append("} ");
        }
        return b.toString();
    }

    static void run(FuzzRun run) throws Exception {
        run.f.bus().partition((x, e) -> false);
        run.f.bus().setLoss(0);
        for (SimNode n : run.f.nodes()) {
            n.sameBatch(y -> { });
            n.crashAfterSync(false);
        }
        run.disarmAll();
        run.restarts(true);
        long heal = run.f.world().now();
        long skew = FuzzScenario.SKEW.toMillis();
        run.f.world().run(Duration.ofSeconds(4)); // past boot grace and presence
        run.after();
        List<SimNode> honest = run.inv.honestUp();
        SimNode buyer = honest.get(honest.size() - 1);
        SimNode seller = honest.get(0);
        String id = buyer.control(c -> c.arbiter().orElseThrow().desk().open("live", buyer.name(), seller.name(), 1, "x",
                List.of()));
        long opened = run.f.world().now();
        int honestPrimaries = 0;
        int honestFallbacks = 0;
        for (int i = 1; i <= run.s.primaries() + run.s.fallbacks(); i++) {
            if (run.s.honest(i)) {
                if (i <= run.s.primaries()) {
                    honestPrimaries++;
                } else {
                    honestFallbacks++;
                }
            }
        }
        boolean rulingDue = honestPrimaries + honestFallbacks >= run.s.required();
        long checkpointsBy = heal + CHECKPOINT_BOUND.toMillis();
        long rulingBy = opened + RULING_BOUND.toMillis();
        boolean ruled = false;
        boolean checkpointed = false;
        while (!(checkpointed && (ruled || !rulingDue))) {
            run.f.world().run(Duration.ofMillis(500));
            run.voteSome(true);
            for (int b : run.s.byzantine()) {
                if (run.r.nextInt(4) == 0) {
                    run.hostile.move(run.f.node(b));
                }
            }
            run.after();
            long now = run.f.world().now();
            Optional<Dispute> d = buyer.core().arbiter().orElseThrow().dispute(id);
            ruled = d.isPresent() && d.get().status() == DisputeStatus.RESOLVED;
            checkpointed = run.inv.honestUp().stream().allMatch(n -> n.core().checkpoints().latest(n.id())
                    .filter(c -> c.checkpoint().tuple().asOf() >= heal - skew).isPresent());
            if (rulingDue && !ruled && now > rulingBy) {
                run.fail("liveness: dispute " + id + " not resolved at " + buyer + " within " + RULING_BOUND + ": "
                        + d.map(x -> x.status() + " votes=" + x.votes().size()).orElse("unknown"));
            }
            if (!checkpointed && now > checkpointsBy) {
                run.fail("liveness: not every honest subject checkpointed within " + CHECKPOINT_BOUND + " of the heal: "
                        + describe(run, heal));
            }
        }
        FuzzStats.add("liveness.checkpoint_ms", run.f.world().now() - heal);
        FuzzStats.inc(rulingDue ? "liveness.rulings_checked" : "liveness.rulings_not_due");
        for (SimNode n : run.f.nodes()) {
            run.verifyLedger(n);
        }
    }
}
