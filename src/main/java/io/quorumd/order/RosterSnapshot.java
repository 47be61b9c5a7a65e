package io.quorumd.order;

import io.quorumd.wire.Envelope;
import io.quorumd.wire.Member;
import io.quorumd.wire.Roster;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The roster the inbound gate and the machines judge by, as one immutable value the loop swaps after each
 * epoch change (DESIGN §12): the current roster, and the rosters of closed epochs whose certificate is not
 * complete yet, whose keys may still sign the messages that finish those epochs. Safe on any thread.
 */
public record RosterSnapshot(Roster current, Map<Long, Roster> closing) {
    public RosterSnapshot {
        closing = Map.copyOf(closing);
    }

    public static RosterSnapshot of(Roster roster) {
        return new RosterSnapshot(roster, Map.of());
    }

    /** Who signed {@code env}, if the gate should let it in. */
    public Optional<Member> signer(Envelope env) {
        Optional<Member> m = current.byId(env.from());
        if (m.isPresent() || closing.isEmpty() || !OrderMessages.finishesClosedEpoch(env.type())) {
            return m;
        }
        return OrderMessages.epochOf(env).map(closing::get).flatMap(r -> r.byId(env.from()));
    }

    /** After a change that closed {@code closedEpoch} (whose roster was this snapshot's current one). */
    RosterSnapshot changedTo(Roster next, long closedEpoch) {
        Map<Long, Roster> c = new HashMap<>(closing);
        c.put(closedEpoch, current);
        return new RosterSnapshot(next, c);
    }

    /** Once {@code epoch}'s certificate stands, its keys finish nothing more. */
    RosterSnapshot certified(long epoch) {
        Map<Long, Roster> c = new HashMap<>(closing);
        c.remove(epoch);
        return new RosterSnapshot(current, c);
    }
}
