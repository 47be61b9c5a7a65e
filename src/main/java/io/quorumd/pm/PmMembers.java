package io.quorumd.pm;

import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeId;
import io.quorumd.wire.Member;
import io.quorumd.wire.Roster;
import java.util.Optional;

/**
 * What the micropayment rules need to know of the federation: how many members share a sender's reserve, who is
 * a member, and the key that signs a sender's tickets. The wiring backs it with the ordered roster (§12), where
 * the key in force at paramsExpiresAt is the one to ask for.
 */
public interface PmMembers {
    int count();

    boolean isMember(NodeId id);

    /** The public key {@code sender}'s tickets with these params verify against, or empty for a stranger. */
    Optional<Bytes> ticketKey(NodeId sender, long paramsExpiresAt);

    /** The members of one roster snapshot. */
    static PmMembers of(Roster roster) {
        return new PmMembers() {
            @Override
            public int count() {
                return roster.size();
            }

            @Override
            public boolean isMember(NodeId id) {
                return roster.byId(id).isPresent();
            }

            @Override
            public Optional<Bytes> ticketKey(NodeId sender, long paramsExpiresAt) {
                return roster.byId(sender).map(Member::publicKey);
            }
        };
    }
}
