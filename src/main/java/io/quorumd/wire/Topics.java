package io.quorumd.wire;

import io.quorumd.crypto.NodeId;
import java.util.List;
import java.util.Optional;

/** Topic names under one federation prefix (DESIGN §5). */
public final class Topics {
    private final String prefix;

    public Topics(String prefix) {
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }

    public String presence(NodeId node) {
        return prefix + "/presence/" + node.hex();
    }

    public String presenceFilter() {
        return prefix + "/presence/+";
    }

    /** What a node subscribes to at this stage of the protocol. */
    public List<String> subscriptions() {
        return List.of(presenceFilter());
    }

    /** The node id a presence topic names, if the topic is one. */
    public Optional<String> presenceSubject(String topic) {
        String head = prefix + "/presence/";
        return topic.startsWith(head) ? Optional.of(topic.substring(head.length())) : Optional.empty();
    }

    /** Checks that a message of this type may arrive on this topic from this sender. */
    public boolean fits(String topic, Envelope envelope) {
        return switch (envelope.type()) {
            case PRESENCE_HEARTBEAT, PRESENCE_OFFLINE -> topic.equals(presence(envelope.from()));
        };
    }
}
