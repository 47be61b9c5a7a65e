package io.quorumd.order;

import io.quorumd.crypto.NodeId;
import io.quorumd.wire.Member;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The replicas of one epoch: the roster's members with role {@code replica}, sorted by node id. The primary
 * of view v is replicas[v mod n]; n, f and q come from {@link Quorum}. Keys of every member (replica or not)
 * are looked up here, since any member may sign a request.
 */
public final class ReplicaSet {
    private final long epoch;
    private final Roster roster;
    private final List<NodeId> replicas;

    public ReplicaSet(long epoch, Roster roster) {
        this.epoch = epoch;
        this.roster = roster;
        this.replicas = roster.members().stream().filter(m -> m.has(Role.REPLICA)).map(Member::nodeId)
                .sorted(Comparator.comparing(NodeId::hex)).toList();
    }

    public long epoch() {
        return epoch;
    }

    public Roster roster() {
        return roster;
    }

    public List<NodeId> replicas() {
        return replicas;
    }

    public int n() {
        return replicas.size();
    }

    public int q() {
        return Quorum.q(n());
    }

    public int f() {
        return Quorum.f(n());
    }

    public NodeId primary(long view) {
        return replicas.get((int) Math.floorMod(view, (long) replicas.size()));
    }

    public boolean isReplica(NodeId id) {
        return replicas.contains(id);
    }

    public Optional<Member> member(NodeId id) {
        return roster.byId(id);
    }

    public String label(NodeId id) {
        return roster.label(id);
    }
}
