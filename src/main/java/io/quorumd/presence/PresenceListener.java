package io.quorumd.presence;

/** Receives liveness transitions; the ledger records them as observations. */
@FunctionalInterface
public interface PresenceListener {
    void onTransition(PeerTransition transition);
}
