package io.quorumd.node;

import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.CanonicalJson;
import io.quorumd.crypto.NodeId;
import io.quorumd.pm.Account;
import io.quorumd.pm.Accounts;
import io.quorumd.pm.FloatSource;
import io.quorumd.pm.PmMembers;
import io.quorumd.wire.Roster;
import java.math.BigInteger;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The federation as the ticket machine sees it at each call: the roster in force and, while ordering runs, the
 * replicated accounts. Without ordering there are no accounts: every sender counts as funded without limit (its
 * tickets are unbacked and cannot be redeemed, which {@code pm balance} and the claim WARN say).
 */
final class PmView {
    /** The account a node without ordering pays from: no limit, never unlocking. */
    static final Account UNMETERED = new Account(BigInteger.valueOf(CanonicalJson.MAX_SAFE_INTEGER),
            BigInteger.valueOf(CanonicalJson.MAX_SAFE_INTEGER), 0, 0, BigInteger.ZERO, new TreeMap<>(), BigInteger.ZERO,
            BigInteger.ZERO, BigInteger.ZERO);

    private final NodeId me;
    private final Supplier<Roster> roster;
    private final Supplier<Optional<NodeOrdering>> ordering;

    PmView(NodeId me, Supplier<Roster> roster, Supplier<Optional<NodeOrdering>> ordering) {
        this.me = me;
        this.roster = roster;
        this.ordering = ordering;
    }

    /** Ordering, when it runs. */
    Optional<NodeOrdering> ordering() {
        return ordering.get();
    }

    /** The replicated accounts, while ordering runs. */
    Optional<Accounts> accounts() {
        return ordering.get().map(o -> o.federation().state().accounts());
    }

    /**
     * Why this node's {@code pm} times cannot run with the federation's: they are part of the ordered state, fixed at
     * the anchor, and a recipient judging claim windows by other times would claim and expire winners at other
     * moments than the accounts pay them. Throws unless they agree or ordering is off.
     */
    void requireTimes(io.quorumd.pm.PmPolicy mine) throws java.io.IOException {
        Optional<String> differ = timesDiffer(mine);
        if (differ.isPresent()) {
            throw new java.io.IOException(differ.get());
        }
    }

    private Optional<String> timesDiffer(io.quorumd.pm.PmPolicy mine) {
        Optional<io.quorumd.pm.PmPolicy> ordered = accounts().map(Accounts::policy);
        if (ordered.isEmpty()) {
            return Optional.empty();
        }
        io.quorumd.pm.PmPolicy o = ordered.get();
        if (o.claimWindowMs() == mine.claimWindowMs() && o.unlockPeriodMs() == mine.unlockPeriodMs()
                && o.reservePeriodMs() == mine.reservePeriodMs()) {
            return Optional.empty();
        }
        return Optional.of("pm.claimWindow, pm.unlockPeriod and pm.reservePeriod are " + mine.claimWindowMs() + ", "
                + mine.unlockPeriodMs() + " and " + mine.reservePeriodMs() + " ms here, but the federation's (fixed when"
                + " ordering began) are " + o.claimWindowMs() + ", " + o.unlockPeriodMs() + " and " + o.reservePeriodMs()
                + " ms: set them back (quorumd federation show --json lists the state's pmPolicy)");
    }

    Account ownAccount() {
        return accounts().map(a -> a.account(me)).orElse(UNMETERED);
    }

    long epoch() {
        return ordering.get().map(o -> o.federation().state().epoch()).orElse(0L);
    }

    String label(NodeId id) {
        return roster.get().label(id);
    }

    Roster roster() {
        return roster.get();
    }

    /** The members of the roster of the moment, asked anew at each call. */
    PmMembers members() {
        return new PmMembers() {
            @Override
            public int count() {
                return now().count();
            }

            @Override
            public boolean isMember(NodeId id) {
                return now().isMember(id);
            }

            @Override
            public Optional<Bytes> ticketKey(NodeId sender, long paramsExpiresAt) {
                return now().ticketKey(sender, paramsExpiresAt);
            }

            private PmMembers now() {
                return PmMembers.of(roster.get());
            }
        };
    }

    FloatSource floats() {
        return new FloatSource() {
            @Override
            public long withdrawAt(NodeId sender) {
                return accounts().map(a -> a.account(sender).withdrawAt()).orElse(0L);
            }

            @Override
            public BigInteger maxFloat(NodeId sender, NodeId recipient, BigInteger pending, long now) {
                Optional<Accounts> a = accounts();
                return a.isEmpty() ? UNMETERED.deposit()
                        : a.get().floats(members()).maxFloat(sender, recipient, pending, now);
            }
        };
    }
}
