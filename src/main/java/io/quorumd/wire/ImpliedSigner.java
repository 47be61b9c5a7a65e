package io.quorumd.wire;

import io.quorumd.crypto.NodeId;

/**
 * A body whose value names its envelope's signer without carrying it on the wire: the decoder binds the
 * envelope's {@code from} into it (the pm bodies, whose core values name both parties while the JSON names only
 * the other one). An {@link Envelope} refuses such a body from any other signer, so encoding and decoding give
 * back the same body.
 */
public interface ImpliedSigner extends Body {
    /** The node that must sign the envelope carrying this body. */
    NodeId signer();
}
