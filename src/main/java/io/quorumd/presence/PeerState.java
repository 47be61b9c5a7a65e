package io.quorumd.presence;

/**
 * What this node believes about one peer: online or not, which run ({@code startedAt}) it last heard of,
 * the last heartbeat sequence of that run, and when (local clock, epoch ms) it last heard from it.
 */
public record PeerState(Status status, long startedAt, long lastSeq, long lastHeardAt) {
    public enum Status { ONLINE, OFFLINE }

    public boolean online() {
        return status == Status.ONLINE;
    }
}
