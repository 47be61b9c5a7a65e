package io.quorumd.wire;

import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.NodeId;
import java.util.Set;

/** One roster entry. The node id is derived from the public key, so it can never disagree with it. */
public record Member(String name, Bytes publicKey, Set<Role> roles) {
    public Member {
        roles = Set.copyOf(roles);
    }

    public NodeId nodeId() {
        return NodeId.of(publicKey);
    }

    public boolean has(Role role) {
        return roles.contains(role);
    }
}
