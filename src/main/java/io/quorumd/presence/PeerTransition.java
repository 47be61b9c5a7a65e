package io.quorumd.presence;

import io.quorumd.crypto.NodeId;

/** A change in what this node believes about a peer's liveness, at local time {@code at}. */
public record PeerTransition(Kind kind, NodeId peer, String name, long peerStartedAt, String cause, long at) {
    public enum Kind {
        ONLINE("peer online"),
        OFFLINE("peer offline"),
        RESTARTED("peer restarted");

        private final String logText;

        Kind(String logText) {
            this.logText = logText;
        }

        public String logText() {
            return logText;
        }
    }
}
