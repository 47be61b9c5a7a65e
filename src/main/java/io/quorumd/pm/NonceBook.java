package io.quorumd.pm;

import io.quorumd.crypto.Bytes;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The nonces a recipient has accepted, per recipientRandHash (DESIGN §14). Caps: at most maxNonces nonces per hash
 * ({@code too_many_nonces}); a hash enters only after its rand check passed, so there are no more hashes than params
 * this recipient issued within one paramsTtl. Pruning: a hash is dropped once its params expire, when no ticket
 * under it can be accepted any more ({@link #prune}). Rebuilt after a restart from the accepted batches of the
 * ledger ({@link Recipient#replay}), so a restarted recipient does not accept an old nonce again.
 */
final class NonceBook {
    private static final class Seen {
        final long expiresAt;
        final Set<Long> nonces = new HashSet<>();

        Seen(long expiresAt) {
            this.expiresAt = expiresAt;
        }
    }

    private final Map<Bytes, Seen> byHash = new HashMap<>();

    /** Why {@code nonce} cannot be accepted under {@code hash}, or empty. */
    Optional<PmRefusal> check(Bytes hash, long nonce, int maxNonces) {
        Seen seen = byHash.get(hash);
        if (seen == null) {
            return Optional.empty();
        }
        if (seen.nonces.contains(nonce)) {
            return Optional.of(new PmRefusal(PmCode.REPLAYED_NONCE, "nonce " + nonce + " was accepted under "
                    + hash.hex().substring(0, 8) + " already"));
        }
        if (seen.nonces.size() >= maxNonces) {
            return Optional.of(new PmRefusal(PmCode.TOO_MANY_NONCES, maxNonces + " nonces were accepted under "
                    + hash.hex().substring(0, 8) + " already"));
        }
        return Optional.empty();
    }

    /** Records an accepted nonce; returns false if it was there already. */
    boolean add(Bytes hash, long expiresAt, long nonce) {
        return byHash.computeIfAbsent(hash, h -> new Seen(expiresAt)).nonces.add(nonce);
    }

    boolean contains(Bytes hash, long nonce) {
        Seen seen = byHash.get(hash);
        return seen != null && seen.nonces.contains(nonce);
    }

    /** Drops the hashes whose params expired at or before {@code now}; returns how many. */
    int prune(long now) {
        int dropped = 0;
        for (Iterator<Seen> it = byHash.values().iterator(); it.hasNext(); ) {
            if (it.next().expiresAt <= now) {
                it.remove();
                dropped++;
            }
        }
        return dropped;
    }

    int hashes() {
        return byHash.size();
    }

    int seen(Bytes hash) {
        Seen seen = byHash.get(hash);
        return seen == null ? 0 : seen.nonces.size();
    }
}
