package io.quorumd.ledger;

import java.util.Optional;

/**
 * Sees each entry of a scan in order, after its CRC and chain checked out. Returning a reason stops the
 * scan and reports corruption at that entry (used by the {@code --full} signature checks).
 */
@FunctionalInterface
public interface EntryVisitor {
    Optional<String> visit(LedgerEntry entry, byte[] payload);

    EntryVisitor NONE = (e, p) -> Optional.empty();
}
