package io.quorumd.pm;

import io.quorumd.crypto.NodeId;
import java.math.BigInteger;

/** A recipient's read-only view of a sender's account, as the replicated {@link Accounts} stand ({@link Accounts#floats}). */
public interface FloatSource {
    /** When the sender's funds become withdrawable, or 0 if it is not unlocking. */
    long withdrawAt(NodeId sender);

    /**
     * How much faceValue {@code recipient} may take on from {@code sender} now, given {@code pending}: the face
     * values of its winners from that sender not settled yet (see {@link Accounts#maxFloat}).
     */
    BigInteger maxFloat(NodeId sender, NodeId recipient, BigInteger pending, long now);
}
