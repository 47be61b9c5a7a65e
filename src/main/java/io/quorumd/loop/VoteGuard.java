package io.quorumd.loop;

import java.util.Optional;

/**
 * Whether this node may sign a vote — a dispute vote, a fallback activation, a checkpoint vote — on
 * something dated {@code datedAt}: sign once must hold even across a lost disk (DESIGN §2), so a node whose
 * ledger is newer than its key, or whose clock is off its peers', signs nothing it may have signed before.
 */
@FunctionalInterface
public interface VoteGuard {
    /** Why not, with a stable code for the stats line and a sentence for the operator. */
    record Refusal(String code, String detail) {
    }

    /** Empty if a vote on something dated {@code datedAt} may be signed now. */
    Optional<Refusal> refusal(long datedAt);
}
