package io.quorumd.arbiter;

import io.quorumd.config.QuorumdConfig;
import io.quorumd.wire.Roster;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Today's arbitration policy while the roster changes at runtime (DESIGN §12): derived from the roster
 * snapshot of the moment with fixed settings — primaries and fallbacks by role, parties looked up in it —
 * and derived again whenever the roster supplier returns another snapshot (compared by identity: the node
 * swaps whole snapshots), so every decision after a swap is taken under the new roster.
 * <p>
 * A roster that cannot carry arbitration under these settings (fewer primary arbiters than M) does not
 * replace the policy in force: the previous policy stays, and an ERROR says why, once per snapshot. The
 * first roster must carry it (the configuration check guarantees that of the anchor). Loop thread only.
 */
public final class PolicySource implements Supplier<ArbiterPolicy> {
    private static final Logger LOG = LoggerFactory.getLogger(PolicySource.class);

    private final Supplier<Roster> roster;
    private final Function<Roster, ArbiterPolicy> derive;
    private Roster derivedFrom;
    private ArbiterPolicy current;

    /** {@code derive}: the policy of one roster; throws IllegalArgumentException if that roster cannot have one. */
    public PolicySource(Supplier<Roster> roster, Function<Roster, ArbiterPolicy> derive) {
        this.roster = roster;
        this.derive = derive;
    }

    /** Arbitration runs when the YAML roster names primary arbiters; config validation guarantees the rest. */
    public static boolean namesArbiters(QuorumdConfig config) {
        return config.federation().roster().members().stream().anyMatch(m -> m.has(io.quorumd.wire.Role.ARBITER));
    }

    /** The policy of each roster {@code roster} returns, with the settings of {@code config}. */
    public static PolicySource of(Supplier<Roster> roster, QuorumdConfig config) {
        return new PolicySource(roster, r -> ArbiterPolicy.of(r, config));
    }

    @Override
    public ArbiterPolicy get() {
        Roster r = roster.get();
        if (r != derivedFrom) {
            try {
                current = derive.apply(r);
            } catch (IllegalArgumentException e) {
                if (current == null) {
                    throw e;
                }
                LOG.atError().addKeyValue("reason", e.getMessage()).addKeyValue("members", r.size())
                        .log("the new roster cannot carry arbitration; disputes stay under the previous roster's policy");
            }
            derivedFrom = r;
        }
        return current;
    }
}
