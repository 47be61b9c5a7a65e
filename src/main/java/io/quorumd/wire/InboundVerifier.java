package io.quorumd.wire;

import io.quorumd.crypto.Ed25519;
import java.util.Optional;
import java.util.function.Function;

/** Roster lookup and signature check of a decoded envelope; stateless, safe on any thread. */
public final class InboundVerifier {
    private final Function<Envelope, Optional<Member>> signers;

    public InboundVerifier(Roster roster) {
        this(env -> roster.byId(env.from()));
    }

    /** A verifier whose roster lookup may change (it is called on the caller's thread for each envelope). */
    public InboundVerifier(Function<Envelope, Optional<Member>> signers) {
        this.signers = signers;
    }

    /** The sender, or a rejection naming why the envelope cannot be trusted. */
    public Verdict verify(Envelope envelope) {
        Optional<Member> sender = signers.apply(envelope);
        if (sender.isEmpty()) {
            return new Verdict.Rejected(RejectReason.UNKNOWN_SENDER, "sender " + envelope.from() + " is not in the roster");
        }
        if (!Ed25519.verify(sender.get().publicKey(), envelope.signingBytes(), envelope.sig())) {
            return new Verdict.Rejected(RejectReason.BAD_SIGNATURE,
                    "signature of " + envelope.type().wireName() + " from " + sender.get().name() + " does not verify");
        }
        return new Verdict.Accepted(envelope, sender.get());
    }

    /** Outcome of checking one inbound message. */
    public sealed interface Verdict {
        record Accepted(Envelope envelope, Member sender) implements Verdict {
        }

        record Rejected(RejectReason reason, String detail) implements Verdict {
        }
    }
}
