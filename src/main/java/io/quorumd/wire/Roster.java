package io.quorumd.wire;

import io.quorumd.crypto.NodeId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The federation's members, looked up by node id. Construction refuses duplicate keys or names. */
public final class Roster {
    private final List<Member> members;
    private final Map<NodeId, Member> byId = new LinkedHashMap<>();
    private final Map<String, Member> byName = new LinkedHashMap<>();

    public Roster(List<Member> members) {
        this.members = List.copyOf(members);
        for (Member m : this.members) {
            if (byId.putIfAbsent(m.nodeId(), m) != null) {
                throw new IllegalArgumentException("public key of " + m.name() + " appears twice in the roster");
            }
            if (byName.putIfAbsent(m.name(), m) != null) {
                throw new IllegalArgumentException("name " + m.name() + " appears twice in the roster");
            }
        }
    }

    public List<Member> members() {
        return members;
    }

    public int size() {
        return members.size();
    }

    public Optional<Member> byId(NodeId id) {
        return Optional.ofNullable(byId.get(id));
    }

    public Optional<Member> byName(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Roster other && members.equals(other.members);
    }

    @Override
    public int hashCode() {
        return members.hashCode();
    }

    /** The member's name for log lines, or the short id for a stranger. */
    public String label(NodeId id) {
        Member m = byId.get(id);
        return m == null ? id.shortHex() : m.name();
    }
}
